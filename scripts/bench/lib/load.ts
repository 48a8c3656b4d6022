import http from 'node:http';
import { WecomDriver, WecomSimulator } from '../../../server/src/wecom/simulator';
import type { SealedCallback } from '../../../server/src/wecom/simulator';
import { newExternalUserId } from '../../../server/src/wecom/simulator/ids';
import { CORP } from './service';

/** The WeCom side of a benchmark or fault test: simulator, callback sealing, keep-alive delivery. */

/** `extraSecrets`: more secrets the simulator accepts (the chat archive's, for the archive scenario). */
export async function startSimulator(members: string[], extraSecrets: string[] = []): Promise<WecomSimulator> {
  return WecomSimulator.start({
    corpId: CORP.corpId,
    secrets: [CORP.contactSecret, CORP.agentSecret, ...extraSecrets],
    agentId: CORP.agentId,
    members: members.map((userid) => ({ userid })),
    // Enough call records for a 10,000-add burst (about 5 calls per add) plus retries.
    maxCallRecords: 400_000,
  });
}

export function driverFor(sim: WecomSimulator | undefined, serviceUrl: string): WecomDriver {
  return new WecomDriver({
    callbackUrl: `${serviceUrl}/wecom/callback`,
    token: CORP.callbackToken,
    encodingAesKey: CORP.callbackAesKey,
    corpId: CORP.corpId,
    simulator: sim,
  });
}

export interface PreparedAdd {
  externalUserId: string;
  welcomeCode: string;
  sealed: SealedCallback;
  /** When the code was issued (the add happened): its 20 s run from here. */
  issuedAt: number;
  /** When the callback first got its 200 (set by postAdd). */
  ackedAt?: number;
}

/**
 * What WeCom does when a customer scans a channel code, minus the delivery: the customer, the
 * relation and a welcome code exist in the simulated corp, and the sealed add_external_contact
 * callback is ready to post (as often as a retry needs). Same steps as driver.customerAddsRep.
 */
export function prepareAdd(sim: WecomSimulator, driver: WecomDriver, input: { userId: string; state: string; index?: number }): PreparedAdd {
  const externalUserId = newExternalUserId();
  sim.state.addExternalContact({ external_userid: externalUserId, name: `压测客户${input.index ?? ''}`, unionid: `union-${externalUserId}` });
  sim.state.addFollow(input.userId, externalUserId, { add_way: 1, oper_userid: externalUserId, state: input.state });
  const welcomeCode = sim.state.issueWelcomeCode(input.userId, externalUserId);
  const sealed = driver.seal({
    Event: 'change_external_contact',
    ChangeType: 'add_external_contact',
    UserID: input.userId,
    ExternalUserID: externalUserId,
    State: input.state,
    WelcomeCode: welcomeCode,
  });
  return { externalUserId, welcomeCode, sealed, issuedAt: Date.now() };
}

/** Delivers an add's callback (to another node with `url`) and notes when it was first acknowledged. */
export async function postAdd(agent: http.Agent, add: PreparedAdd, timeoutMs = 5000, url = add.sealed.url): Promise<PostResult> {
  const result = await postSealed(agent, { ...add.sealed, url }, timeoutMs);
  if (result.status === 200) add.ackedAt ??= Date.now();
  return result;
}

export function keepAliveAgent(maxSockets = 256): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
}

export interface PostResult {
  status: number;
  /** Time to the complete response, ms (high resolution). */
  ms: number;
  error?: string;
}

/** POSTs a body to a URL over the agent; never throws (status 0 = no response). */
export function post(agent: http.Agent, url: string, body: string, timeoutMs = 5000, contentType = 'text/xml'): Promise<PostResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
        res.on('error', (e) => resolve({ status: 0, ms: performance.now() - started, error: e.message }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, ms: performance.now() - started, error: e.message }));
    req.end(body);
  });
}

export const postSealed = (agent: http.Agent, sealed: SealedCallback, timeoutMs?: number) => post(agent, sealed.url, sealed.envelope, timeoutMs);

export function get(agent: http.Agent, url: string, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<PostResult & { body: string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'GET', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, ms: performance.now() - started, body: '', error: e.message }));
    req.end();
  });
}

/**
 * Open-loop load: `rate` requests per second for `seconds`, whatever the server's pace (a viral
 * campaign does not slow down because we do). Bounded in count (rate × seconds), in time
 * (seconds + drainMs) and in outstanding requests (`maxInFlight`; excess sends are counted as
 * skipped, not queued, so a stalled server shows up as skips rather than as unbounded memory).
 */
export async function openLoop<T>(options: {
  rate: number;
  seconds: number;
  maxInFlight?: number;
  drainMs?: number;
  send: (index: number) => Promise<T>;
}): Promise<{ results: T[]; skipped: number; elapsedMs: number }> {
  const total = Math.round(options.rate * options.seconds);
  const maxInFlight = options.maxInFlight ?? 2000;
  const results: T[] = [];
  const pending = new Set<Promise<void>>();
  let sent = 0;
  let skipped = 0;
  const start = performance.now();
  while (sent + skipped < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * options.rate));
    while (sent + skipped < due) {
      if (pending.size >= maxInFlight) {
        skipped++;
        continue;
      }
      const index = sent++;
      const p: Promise<void> = options.send(index).then((r) => {
        results.push(r);
        pending.delete(p);
      });
      pending.add(p);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const drainDeadline = performance.now() + (options.drainMs ?? 10_000);
  while (pending.size > 0 && performance.now() < drainDeadline) await new Promise((resolve) => setTimeout(resolve, 10));
  return { results, skipped, elapsedMs: performance.now() - start };
}

/** Closed-loop: `concurrency` workers take items in order until all are done. */
export async function pool<I, T>(items: I[], concurrency: number, run: (item: I, index: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await run(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarize(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
