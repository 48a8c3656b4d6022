import { openChatMsg } from '../../wecom/simulator/archive-cipher';
import { FinanceSdk, FinanceSdkError, MediaChunk, PullOptions, SealedMessage } from './finance-sdk';

/**
 * FinanceSdk against the WeCom simulator, for tests and demo mode. The real SDK reaches WeCom over
 * a private protocol; here pulls go over HTTP to the simulator's own /simulator/finance/ endpoints
 * (wecom/simulator/api/finance.ts), so an archive in another process than the simulator works the
 * same. DecryptData is local, as in the real SDK, with the simulator's own cipher
 * (wecom/simulator/archive-cipher.ts; WeCom's is undocumented). Failures are FinanceSdkError with
 * the SDK's codes: 10000 bad arguments, 10001 network (also a timeout), 10002 an unreadable
 * answer, 10005 unknown sdkfileid, 10006 a message that does not open; a WeCom-side refusal
 * (wrong secret…) keeps its errcode. `proxy` and `proxyPassword` are ignored: the simulator is
 * local.
 */

export interface SimulatorSdkOptions {
  /** The simulator's base URL (`sim.baseUrl`). */
  baseUrl: string;
  corpId: string;
  /** The 会话存档 secret (one of the simulator's secrets). */
  secret: string;
  /** Default timeout when a call gives none: 10 s. */
  timeoutSeconds?: number;
}

export const MAX_LIMIT = 1000;
const DEFAULT_TIMEOUT_SECONDS = 10;

export class SimulatorFinanceSdk implements FinanceSdk {
  private closed = false;

  constructor(private readonly options: SimulatorSdkOptions) {}

  async getChatData(seq: number, limit: number, options: PullOptions = {}): Promise<SealedMessage[]> {
    if (!Number.isSafeInteger(seq) || seq < 0) throw new FinanceSdkError(10000, 'seq must be a non-negative integer');
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new FinanceSdkError(10000, `limit must be 1-${MAX_LIMIT}`);
    const reply = await this.call('chatdata', { seq, limit }, options);
    if (!Array.isArray(reply.chatdata)) throw new FinanceSdkError(10002, 'chatdata missing from the answer');
    return reply.chatdata as SealedMessage[];
  }

  async decryptData(randomKey: string, encryptChatMsg: string): Promise<string> {
    this.checkOpen();
    try {
      return openChatMsg(randomKey, encryptChatMsg);
    } catch {
      throw new FinanceSdkError(10006, 'the message does not open with this random key');
    }
  }

  async getMediaData(sdkFileId: string, indexBuf: string, options: PullOptions = {}): Promise<MediaChunk> {
    if (!sdkFileId) throw new FinanceSdkError(10000, 'sdkfileid is required');
    const reply = await this.call('mediadata', { sdkfileid: sdkFileId, indexbuf: indexBuf }, options);
    if (typeof reply.data !== 'string' || typeof reply.outindexbuf !== 'string' || typeof reply.is_finish !== 'boolean') {
      throw new FinanceSdkError(10002, 'media answer is incomplete');
    }
    return { data: Buffer.from(reply.data, 'base64'), outIndexBuf: reply.outindexbuf, isFinish: reply.is_finish };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private checkOpen(): void {
    // The native SDK would crash on a destroyed instance; an error is the adapter's kinder equivalent.
    if (this.closed) throw new FinanceSdkError(10000, 'the SDK instance was closed');
  }

  private async call(endpoint: string, fields: Record<string, unknown>, options: PullOptions): Promise<Record<string, unknown>> {
    this.checkOpen();
    const timeoutSeconds = options.timeoutSeconds ?? this.options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    let response: Response;
    try {
      response = await fetch(`${this.options.baseUrl.replace(/\/+$/, '')}/simulator/finance/${endpoint}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ corpid: this.options.corpId, secret: this.options.secret, ...fields }),
        signal: AbortSignal.timeout(timeoutSeconds * 1000),
      });
    } catch (error) {
      throw new FinanceSdkError(10001, `network: ${(error as Error).name === 'TimeoutError' ? `no answer in ${timeoutSeconds} s` : (error as Error).message}`);
    }
    let reply: Record<string, unknown>;
    try {
      const text = await response.text();
      reply = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      // A connection cut mid-body is a network failure; a body that arrived but is not JSON is a parse one.
      if ((error as Error).name === 'SyntaxError') throw new FinanceSdkError(10002, 'the answer is not JSON');
      throw new FinanceSdkError(10001, `network: ${(error as Error).message}`);
    }
    if (!reply || typeof reply !== 'object') throw new FinanceSdkError(10002, 'the answer is not a JSON object');
    if (reply.errcode !== 0) throw new FinanceSdkError(Number(reply.errcode) || 10003, String(reply.errmsg ?? 'unknown error'));
    return reply;
  }
}
