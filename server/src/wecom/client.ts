import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import axios, { AxiosInstance } from 'axios';
import type { Logger } from '../logger';
import { backoffMs, sleep } from '../util/async';
import { ERRCODE, WecomApiError, WecomNetworkError } from './errors';
import { PrioritySemaphore } from './priority-semaphore';
import { CallPriority, RateBudget, RateTicket, WecomRateLimiter } from './rate-limiter';
import { CachedToken, TokenStore, tokenCacheKey } from './token-store';

export interface WecomClientOptions {
  apiBase: string;
  corpId: string;
  secret: string;
  /** For logs only, e.g. "contact" or "agent". */
  label: string;
  tokenStore: TokenStore;
  logger: Logger;
  timeoutMs?: number;
  maxConcurrency?: number;
  /** Attempts for -1 / 45009 / 45033 / network errors before giving up to the caller. */
  maxAttempts?: number;
  /**
   * Paces calls under WeCom's per-API limits. Pass one limiter to every client of the process
   * (runtime.ts does), so they share the corp's budget; without one the client paces alone,
   * with the default budgets.
   */
  rateLimiter?: WecomRateLimiter;
}

/** WeCom's per corp, per API limits (wecom-reference.md §8). */
export const WECOM_LIMIT_PER_MINUTE = 10_000;
export const WECOM_LIMIT_PER_HOUR = 150_000;
/** This instance's default share: 90%, headroom for the corp's other software and the admin console. */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 9_000;

/**
 * Budgets for one instance. The hourly one follows WeCom's own ratio (150,000/h to 10,000/min)
 * unless given, so lowering the minute share for several instances lowers both.
 *
 * Urgent calls (welcomes) may also use the headroom: up to 10/9 of the share (10,000 for the
 * default 9,000; 5,000 each for two instances at 4,500), never past WeCom's own limit. A welcome
 * that waits for the minute to roll over misses its 20 s: a burst of 200 adds/s for 50 s (10,000
 * welcomes, within WeCom's limit) would otherwise leave the last 1,000 waiting about 17 s. The
 * headroom stays free of everything else, and other software rarely sends our customers' welcomes.
 */
export function rateBudgets(perMinute = DEFAULT_RATE_LIMIT_PER_MINUTE, perHour?: number): RateBudget[] {
  const hour = perHour ?? perMinute * (WECOM_LIMIT_PER_HOUR / WECOM_LIMIT_PER_MINUTE);
  const withHeadroom = (share: number, wecomLimit: number) => Math.max(share, Math.min(Math.floor((share * 10) / 9), wecomLimit));
  return [
    { limit: perMinute, urgentLimit: withHeadroom(perMinute, WECOM_LIMIT_PER_MINUTE), windowMs: 60_000 },
    { limit: hour, urgentLimit: withHeadroom(hour, WECOM_LIMIT_PER_HOUR), windowMs: 3_600_000 },
  ];
}

/** Welcomes must go out within 20 s of the event (wecom-reference.md §4.3). */
const URGENT_PATHS = new Set(['externalcontact/send_welcome_msg']);

export interface CallOptions {
  /**
   * Retry after a timeout or dropped connection. Off for calls that create something
   * (e.g. add_contact_way), where WeCom may have acted before the connection broke.
   */
  retryOnNetworkError?: boolean;
  maxAttempts?: number;
  /** Give up retrying once this epoch-ms time is near (e.g. a welcome code's 20 s). */
  deadlineAt?: number;
  /**
   * Told each time a request went out and no answer came back (timeout, dropped connection, a
   * reply that is not WeCom JSON): WeCom may have acted on it. A single-use call (a welcome code)
   * needs this to read a later "already used" right: the retry's error may be our own success.
   */
  onUnanswered?: () => void;
  /**
   * Urgent calls go first when the API's budget or the client's connections are short. Default:
   * urgent for send_welcome_msg, normal otherwise.
   */
  priority?: CallPriority;
}

interface WecomReply {
  errcode?: number;
  errmsg?: string;
  [key: string]: unknown;
}

/** Refresh this long (at most; 10% for short-lived tokens) before WeCom's stated expiry. */
const EXPIRY_MARGIN_MS = 5 * 60 * 1000;
const REFRESH_LOCK_MS = 10_000;

/**
 * One WeCom API client per secret. The access token lives in the shared TokenStore, is
 * refreshed by one caller at a time across instances, and is refreshed once and the call retried
 * when WeCom says it is invalid or expired.
 */
export class WecomClient {
  private readonly http: AxiosInstance;
  private readonly cacheKey: string;
  private readonly owner = randomUUID();
  private readonly semaphore: PrioritySemaphore;
  private readonly rateLimiter: WecomRateLimiter;
  private memoryToken: CachedToken | null = null;
  private refreshing: Promise<CachedToken> | null = null;

  constructor(private readonly options: WecomClientOptions) {
    this.cacheKey = tokenCacheKey(options.corpId, options.secret);
    this.semaphore = new PrioritySemaphore(options.maxConcurrency ?? 16);
    this.rateLimiter = options.rateLimiter ?? new WecomRateLimiter({ budgets: rateBudgets() });
    this.http = axios.create({
      baseURL: options.apiBase,
      timeout: options.timeoutMs ?? 5000,
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 64 }),
      // WeCom reports failures in the body; HTTP errors are network trouble.
      validateStatus: (status) => status === 200,
    });
  }

  get<T extends object>(path: string, query: Record<string, string | number> = {}, options: CallOptions = {}): Promise<T> {
    return this.call<T>('GET', path, query, undefined, { retryOnNetworkError: true, ...options });
  }

  post<T extends object>(path: string, body: unknown, options: CallOptions = {}): Promise<T> {
    return this.call<T>('POST', path, {}, body, options);
  }

  private async call<T>(method: 'GET' | 'POST', path: string, query: Record<string, string | number>, body: unknown, options: CallOptions): Promise<T> {
    const maxAttempts = options.maxAttempts ?? this.options.maxAttempts ?? 4;
    const priority = options.priority ?? (URGENT_PATHS.has(path) ? 'urgent' : 'normal');
    let refreshedToken = false;
    for (let attempt = 1; ; attempt++) {
      const token = await this.accessToken();
      let reply: WecomReply;
      // Every attempt is a call WeCom counts, so each waits for budget; a wait that outlasts the
      // deadline throws WecomPacingTimeout (nothing was sent).
      const ticket = await this.rateLimiter.acquire(this.options.corpId, path, { priority, deadlineAt: options.deadlineAt });
      try {
        reply = await this.send(method, path, { ...query, access_token: token.accessToken }, body, priority, ticket);
      } catch (error) {
        const networkError = error as WecomNetworkError;
        options.onUnanswered?.();
        // The deadline check must see the pause actually taken (up to 2 s), not a fixed 200 ms.
        const delay = backoffMs(attempt, 200, 2000);
        if (options.retryOnNetworkError && this.canRetry(attempt, maxAttempts, options, delay)) {
          await sleep(delay);
          continue;
        }
        throw networkError;
      }
      const errcode = reply.errcode ?? 0;
      if (errcode === 0) return reply as T;
      const apiError = new WecomApiError(path, errcode, reply.errmsg ?? '');
      if ((errcode === ERRCODE.INVALID_TOKEN || errcode === ERRCODE.TOKEN_EXPIRED) && !refreshedToken) {
        refreshedToken = true;
        this.options.logger.info({ wecom: this.options.label, path, errcode }, 'access token rejected; refreshing once');
        await this.refreshToken(token.accessToken);
        attempt--; // a token refresh is not a failed attempt
        continue;
      }
      const delay = this.retryDelay(errcode, attempt);
      if (delay !== null && this.canRetry(attempt, maxAttempts, options, delay)) {
        this.options.logger.warn({ wecom: this.options.label, path, errcode, attempt }, 'WeCom busy; backing off');
        await sleep(delay);
        continue;
      }
      throw apiError;
    }
  }

  /** -1 is a blip; 45033 wants fewer parallel calls; 45009 wants a real pause. */
  private retryDelay(errcode: number, attempt: number): number | null {
    if (errcode === ERRCODE.SYSTEM_BUSY) return backoffMs(attempt, 200, 2000);
    if (errcode === ERRCODE.CONCURRENCY_LIMIT) return backoffMs(attempt, 300, 3000);
    if (errcode === ERRCODE.FREQUENCY_LIMIT) return backoffMs(attempt, 1000, 10_000);
    return null;
  }

  private canRetry(attempt: number, maxAttempts: number, options: CallOptions, delayMs: number): boolean {
    if (attempt >= maxAttempts) return false;
    if (options.deadlineAt !== undefined && Date.now() + delayMs + 500 > options.deadlineAt) return false;
    return true;
  }

  private send(
    method: 'GET' | 'POST',
    path: string,
    params: Record<string, string | number>,
    body: unknown,
    priority: CallPriority,
    ticket: RateTicket,
  ): Promise<WecomReply> {
    return this.semaphore.run(priority, async () => {
      // Counted from now, not from when the budget was granted: waiting for a connection slot
      // must not make the call look older to the limiter than it is to WeCom.
      ticket.sent();
      try {
        const response = await this.http.request<WecomReply>({ method, url: `/cgi-bin/${path}`, params, data: body });
        if (!response.data || typeof response.data !== 'object') throw new Error('reply is not JSON');
        return response.data;
      } catch (error) {
        // Only the message: axios errors carry the request config, access token included.
        throw new WecomNetworkError(path, (error as Error).message);
      }
    });
  }

  /** The current token: memory first, then the shared store, then a (locked) refresh. */
  async accessToken(): Promise<CachedToken> {
    const fresh = (t: CachedToken | null) => !!t && t.expiresAt > Date.now();
    if (this.memoryToken && fresh(this.memoryToken)) return this.memoryToken;
    const stored = await this.options.tokenStore.read(this.cacheKey);
    if (stored && fresh(stored)) {
      this.memoryToken = stored;
      return stored;
    }
    return this.refreshToken(stored?.accessToken ?? null);
  }

  /**
   * Replaces `staleToken`. Within the process one refresh runs at a time; across processes the
   * store's lock decides who calls gettoken, the others wait for the new token to appear.
   */
  refreshToken(staleToken: string | null): Promise<CachedToken> {
    if (!this.refreshing) {
      this.refreshing = this.refreshAcrossInstances(staleToken).finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async refreshAcrossInstances(staleToken: string | null): Promise<CachedToken> {
    const store = this.options.tokenStore;
    const deadline = Date.now() + REFRESH_LOCK_MS * 2;
    while (Date.now() < deadline) {
      const current = await store.read(this.cacheKey);
      if (current && current.accessToken !== staleToken && current.expiresAt > Date.now()) {
        this.memoryToken = current;
        return current;
      }
      if (await store.tryLock(this.cacheKey, this.owner, REFRESH_LOCK_MS)) {
        try {
          // Read again under the lock: another instance may have saved a fresh token between
          // our read above and our lock (its save frees the lock), and that one must be used.
          const fresh = await store.read(this.cacheKey);
          if (fresh && fresh.accessToken !== staleToken && fresh.expiresAt > Date.now()) {
            await store.unlock(this.cacheKey, this.owner);
            this.memoryToken = fresh;
            return fresh;
          }
          const token = await this.fetchToken();
          await store.save(this.cacheKey, this.owner, token);
          this.memoryToken = token;
          return token;
        } catch (error) {
          await store.unlock(this.cacheKey, this.owner);
          throw error;
        }
      }
      await sleep(50 + Math.random() * 100);
    }
    throw new WecomNetworkError('gettoken', 'timed out waiting for another instance to refresh the access token');
  }

  private async fetchToken(): Promise<CachedToken> {
    for (let attempt = 1; ; attempt++) {
      // Every call waits for the token: its refresh goes first.
      const ticket = await this.rateLimiter.acquire(this.options.corpId, 'gettoken', { priority: 'urgent' });
      const reply = await this.send('GET', 'gettoken', { corpid: this.options.corpId, corpsecret: this.options.secret }, undefined, 'urgent', ticket);
      const errcode = reply.errcode ?? 0;
      if (errcode === 0 && typeof reply.access_token === 'string') {
        const expiresIn = Number(reply.expires_in ?? 7200);
        this.options.logger.info({ wecom: this.options.label, expiresIn }, 'access token refreshed');
        // Stored expiry is early by a margin, so no call races WeCom's own deadline.
        const margin = Math.min(EXPIRY_MARGIN_MS, expiresIn * 100);
        return { accessToken: reply.access_token, expiresAt: Date.now() + expiresIn * 1000 - margin };
      }
      if (errcode === ERRCODE.SYSTEM_BUSY && attempt < 3) {
        await sleep(backoffMs(attempt, 200, 1000));
        continue;
      }
      throw new WecomApiError('gettoken', errcode, reply.errmsg ?? 'no access_token in reply');
    }
  }
}
