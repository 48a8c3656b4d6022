import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { contactRoutes } from './api/contacts';
import { contactWayRoutes } from './api/contact-ways';
import { directoryRoutes } from './api/directory';
import { groupRoutes } from './api/groups';
import { messageRoutes } from './api/messages';
import { miniprogramRoutes } from './api/miniprogram';
import { webLoginRoutes } from './api/web-login';
import { serveWebLogin } from './web-login-page';
import { serveQrImage } from './qr-images';
import { miscRoutes } from './api/misc';
import { FINANCE_PREFIX, financeRoutes } from './api/finance';
import { msgauditRoutes } from './api/msgaudit';
import type { Routes } from './api/route';
import { tagRoutes } from './api/tags';
import { templateRoutes } from './api/templates';
import { welcomeRoutes } from './api/welcome';
import { CallLog, CallRecord, redactQuery } from './call-log';
import { ApiError, Errcode } from './errors';
import { Faults } from './faults';
import { FrequencyLimit, FrequencyLimiter, WECOM_FREQUENCY_LIMITS } from './frequency-limits';
import { SimulatorState } from './state';
import type { GroupMessageRule } from './stores/templates';
import { TokenIssuer } from './tokens';

export interface WecomSimulatorOptions {
  corpId: string;
  /** Secrets gettoken accepts (app, 客户联系, …); each yields its own tokens. */
  secrets: string[];
  /** The app id message/send must name (default 1000002). */
  agentId?: number;
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  tokenTtlSeconds?: number;
  /** Clock in ms; tests pass an adjustable one to expire tokens and welcome codes. */
  now?: () => number;
  /** How many calls (and app messages) to remember; older ones are dropped. Default 200,000. */
  maxCallRecords?: number;
  /**
   * The corp's chat-archive private keys (PEM, PKCS#1 or PKCS#8) by version, ascending; the last
   * is current. Absent: version 1 is generated on first use. Rotate with `state.archive.keys.rotate()`.
   */
  archiveKeys?: { version: number; pem: string }[];
  /** Members to register up front (in the root department unless `department` says otherwise). */
  members?: { userid: string; name?: string; department?: number[] }[];
  /**
   * WeCom's per-API frequency limits, answered with 45009 (wecom-reference.md §8). Default: the
   * published ones (10,000/min and 150,000/h per corp, 20,000/min and 600,000/h per IP); tests
   * pass small ones, `[]` turns them off. Counted on the simulator's clock (`now`).
   */
  frequencyLimits?: readonly FrequencyLimit[];
  /**
   * The corp's per-customer cap on group messages (wecom-reference.md §4.4): `month` (default, as
   * many per natural month as it has days), `week` (7) or `day` (1), in Asia/Shanghai. Also
   * `state.setGroupMessageRule()`.
   */
  groupMessageRule?: GroupMessageRule;
}

const ROUTES: Routes = {
  ...contactRoutes,
  ...contactWayRoutes,
  ...tagRoutes,
  ...welcomeRoutes,
  ...templateRoutes,
  ...groupRoutes,
  ...messageRoutes,
  ...miniprogramRoutes,
  ...webLoginRoutes,
  ...directoryRoutes,
  ...miscRoutes,
  ...msgauditRoutes,
};

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const PREFIX = '/cgi-bin/';

type Reply = { errcode: number; errmsg: string } & Record<string, unknown>;

const errorReply = (error: ApiError): Reply => ({ errcode: error.errcode, errmsg: error.errmsg });

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError(Errcode.invalidParameter, 'request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A WeCom API look-alike on a real HTTP port: the paths Xiansuo calls under /cgi-bin/, backed by
 * in-memory corp state, with injectable faults and a record of every call. Every reply is HTTP 200
 * with errcode/errmsg, as WeCom does. It logs nothing, so it can run inside tests.
 */
export class WecomSimulator {
  readonly state: SimulatorState;
  readonly faults: Faults;
  readonly frequency: FrequencyLimiter;
  readonly corpId: string;
  readonly agentId: number;
  readonly now: () => number;
  private readonly tokens: TokenIssuer;
  private readonly log: CallLog;
  private server?: Server;
  private port = 0;

  private constructor(options: WecomSimulatorOptions) {
    if (options.secrets.length === 0) throw new Error('WecomSimulator needs at least one secret');
    this.now = options.now ?? (() => Date.now());
    this.corpId = options.corpId;
    this.agentId = options.agentId ?? 1000002;
    const maxRecords = options.maxCallRecords ?? 200_000;
    this.state = new SimulatorState(options.corpId, this.now, maxRecords);
    this.faults = new Faults(this.now);
    this.frequency = new FrequencyLimiter(options.frequencyLimits ?? WECOM_FREQUENCY_LIMITS, this.now);
    this.tokens = new TokenIssuer(options.corpId, options.secrets, options.tokenTtlSeconds ?? 7200, this.now);
    this.log = new CallLog(maxRecords);
    if (options.groupMessageRule) this.state.setGroupMessageRule(options.groupMessageRule);
    for (const k of options.archiveKeys ?? []) this.state.archive.keys.add(k.version, k.pem);
    for (const m of options.members ?? []) this.state.addMember(m.userid, m.name, m.department ? { department: m.department } : {});
  }

  static async start(options: WecomSimulatorOptions): Promise<WecomSimulator> {
    const sim = new WecomSimulator(options);
    await sim.listen(options.port ?? 0);
    return sim;
  }

  /** e.g. `http://127.0.0.1:41234` — use it where the client would use `https://qyapi.weixin.qq.com`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get calls(): readonly CallRecord[] {
    return this.log.all;
  }

  callsTo(path: string): CallRecord[] {
    return this.log.to(path);
  }

  successfulCalls(path: string): CallRecord[] {
    return this.log.successful(path);
  }

  /**
   * How many calls (to `path`, or to any API) were answered with `errcode` since start or the last
   * resetCalls(). Unlike `calls`, never trimmed: `answered(45009)` counts every frequency-limit
   * answer of a long benchmark, from the limits and from injected faults alike.
   */
  answered(errcode: number, path?: string): number {
    return this.log.answered(errcode, path);
  }

  /** Per API path, how many calls were answered with `errcode` (e.g. 45009) since start or resetCalls(). */
  answeredByPath(errcode: number): Record<string, number> {
    return this.log.answeredByPath(errcode);
  }

  /** Forgets the call record and the answer counts (not the frequency-limit windows: see `frequency.reset()`). */
  resetCalls(): void {
    this.log.clear();
  }

  /** Every issued token answers 42001 (expired) from now on. */
  expireTokens(): void {
    this.tokens.expireAll();
  }

  /** Every issued token answers 40014 (invalid) from now on. */
  revokeTokens(): void {
    this.tokens.revokeAll();
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      // Keep-alive clients would otherwise hold close() open until they time out.
      server.closeAllConnections();
    });
  }

  private listen(port: number): Promise<void> {
    const server = createServer((req, res) => void this.onRequest(req, res));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    // WeCom's web login page lives on its own host in WeCom; here beside the API.
    if (req.method === 'GET' && serveWebLogin(url, this.state, this.agentId, res)) return;
    // So are the 「联系我」 QR images, on WeCom's image CDN.
    if (req.method === 'GET' && serveQrImage(url, this.state, res)) return;
    const path = url.pathname.startsWith(PREFIX) ? url.pathname.slice(PREFIX.length) : url.pathname;
    const query = Object.fromEntries(url.searchParams);
    const method = req.method ?? 'GET';
    const record: CallRecord = { path, method, query: redactQuery(query), body: undefined, errcode: null, at: this.now() };
    const decision = this.faults.decide(path);
    // Counted on arrival, like the call record: an injected delay plays a slow WeCom, which has
    // already counted the call. An injected errcode stands in for WeCom's answer, so that call
    // is not counted.
    const limitedBy = decision.error ? undefined : this.frequency.admit(path, req.socket.remoteAddress ?? '');
    try {
      let body: Record<string, unknown> = {};
      let reply: Reply | undefined;
      if (method === 'POST') {
        const raw = await readBody(req);
        try {
          const parsed: unknown = raw === '' ? {} : JSON.parse(raw);
          record.body = parsed;
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
            body = parsed as Record<string, unknown>;
            // The finance endpoints carry the archive secret in the body; the record must not keep it.
            if ('secret' in body) record.body = { ...body, secret: '***' };
          }
          else reply = { errcode: Errcode.badJson, errmsg: 'request body must be a JSON object' };
        } catch {
          record.body = raw;
          reply = { errcode: Errcode.badJson, errmsg: 'invalid JSON in request body' };
        }
      }
      if (decision.latencyMs > 0) await sleep(decision.latencyMs);
      if (decision.dropConnection) {
        record.errmsg = 'connection dropped by an injected fault';
        req.socket.destroy();
        return;
      }
      if (decision.error) reply = errorReply(decision.error);
      else if (limitedBy) {
        // Refused whatever the call holds, well-formed or not.
        record.limitedBy = limitedBy;
        reply = { errcode: Errcode.rateLimited, errmsg: `api freq out of limit (${limitedBy})` };
      }
      reply ??= this.dispatch(path, method, query, body);
      record.errcode = reply.errcode;
      record.errmsg = reply.errmsg;
      if (decision.loseReply) {
        // The call took effect (its errcode is recorded as WeCom's answer), but the answer never
        // reaches the caller.
        record.errmsg = `${reply.errmsg} (reply lost by an injected fault)`;
        req.socket.destroy();
        return;
      }
      const payload = JSON.stringify(reply);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
      res.end(payload);
    } catch (error) {
      // Only reading the body can fail here; the client is gone or sent too much.
      record.errmsg = (error as Error).message;
      req.socket.destroy();
    } finally {
      decision.release();
      this.log.record(record);
    }
  }

  private dispatch(path: string, method: string, query: Record<string, string>, body: Record<string, unknown>): Reply {
    try {
      if (path.startsWith(FINANCE_PREFIX)) return this.dispatchFinance(path, method, body);
      if (path === 'gettoken') return { errcode: 0, errmsg: 'ok', ...this.tokens.issue(query.corpid, query.corpsecret) };
      const route = ROUTES[path];
      if (!route) throw new ApiError(Errcode.apiForbidden, `api forbidden: the simulator does not implement /cgi-bin/${path}`);
      this.tokens.check(query.access_token);
      if (route.method !== method) {
        throw route.method === 'POST'
          ? new ApiError(Errcode.postRequired, 'require POST method')
          : new ApiError(Errcode.getRequired, 'require GET method');
      }
      const result = route.handle({ query, body, state: this.state, now: this.now, agentId: this.agentId, baseUrl: this.baseUrl });
      return { errcode: 0, errmsg: 'ok', ...result };
    } catch (error) {
      if (error instanceof ApiError) return errorReply(error);
      // A simulator bug: answer "system busy" like WeCom, and say what broke.
      return { errcode: Errcode.systemBusy, errmsg: `simulator internal error: ${(error as Error).message}` };
    }
  }

  /** The Finance SDK's stand-in (api/finance.ts): POST only, Init's corpid and secret in every body. */
  private dispatchFinance(path: string, method: string, body: Record<string, unknown>): Reply {
    const handler = financeRoutes[path];
    if (!handler) throw new ApiError(Errcode.apiForbidden, `no simulator finance endpoint ${path}`);
    if (method !== 'POST') throw new ApiError(Errcode.postRequired, 'require POST method');
    this.tokens.checkSecret(body.corpid, body.secret);
    return { errcode: 0, errmsg: 'ok', ...handler(body, this.state) };
  }
}
