import { Writable } from 'node:stream';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../src/db/data-source';
import type { Logger } from '../src/logger';
import { silentLogger } from '../src/logger';
import { WecomClient, WecomClientOptions } from '../src/wecom/client';
import { WecomApiError, WecomNetworkError } from '../src/wecom/errors';
import { WecomSimulator } from '../src/wecom/simulator';
import { DatabaseTokenStore } from '../src/wecom/token-store';
import { createTestDatabase, TestDatabase } from './support/database';
import { CORP, eventually } from './support/harness';

/**
 * WecomClient + DatabaseTokenStore against the WeCom simulator over HTTP and a real database.
 * `getcallbackip` (GET) and `externalcontact/get_corp_tag_list` (POST) are the probe APIs.
 */

const GET_PATH = 'getcallbackip';
const POST_PATH = 'externalcontact/get_corp_tag_list';
const SECRET = CORP.contactSecret;

/** A pino logger writing JSON lines into an array. */
function memoryLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), lines };
}

describe('WecomClient with the database token store', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let sim: WecomSimulator;

  const client = (overrides: Partial<WecomClientOptions> = {}, dataSource: DataSource = ds, simulator: WecomSimulator = sim) =>
    new WecomClient({
      apiBase: simulator.baseUrl,
      corpId: CORP.corpId,
      secret: SECRET,
      label: 'contact',
      tokenStore: new DatabaseTokenStore(dataSource),
      logger: silentLogger,
      timeoutMs: 2000,
      ...overrides,
    });

  const tokenRows = () => ds.query('SELECT * FROM wecom_access_token');

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await openDatabase(db.url);
    sim = await WecomSimulator.start({ corpId: CORP.corpId, secrets: [CORP.contactSecret, CORP.agentSecret] });
  });

  afterAll(async () => {
    await sim?.close();
    await ds?.destroy();
    await db?.drop();
  });

  beforeEach(async () => {
    sim.faults.clear();
    await ds.query('DELETE FROM wecom_access_token');
    sim.resetCalls();
  });

  describe('token caching', () => {
    it('caches the token: many calls, one gettoken; the stored row holds the token but no secret', async () => {
      const c = client();
      for (let i = 0; i < 5; i++) await c.get(GET_PATH);
      await c.post(POST_PATH, {});
      expect(sim.callsTo('gettoken')).toHaveLength(1);
      expect(sim.successfulCalls(GET_PATH)).toHaveLength(5);
      expect(sim.successfulCalls(POST_PATH)).toHaveLength(1);

      const rows = await tokenRows();
      expect(rows).toHaveLength(1);
      const row = rows[0];
      expect(typeof row.access_token).toBe('string');
      expect(row.access_token.length).toBeGreaterThan(10);
      expect(Number(row.expires_at)).toBeGreaterThan(Date.now());
      expect(String(row.cache_key).startsWith(`${CORP.corpId}:`)).toBe(true);
      expect(JSON.stringify(rows)).not.toContain(SECRET);
    });

    it('a second client (a fresh process) reuses the stored token without calling gettoken', async () => {
      await client().get(GET_PATH);
      await client().get(GET_PATH);
      expect(sim.callsTo('gettoken')).toHaveLength(1);
    });

    it('concurrent calls on a cold cache make exactly one gettoken', async () => {
      const c = client();
      const replies = await Promise.all(Array.from({ length: 20 }, () => c.get<{ ip_list: string[] }>(GET_PATH)));
      expect(replies.every((r) => r.ip_list.length === 1)).toBe(true);
      expect(sim.callsTo('gettoken')).toHaveLength(1);
      expect(sim.successfulCalls(GET_PATH)).toHaveLength(20);
    });

    it('an instance that read no token, then got the lock after another saved one, uses the saved one', async () => {
      // The other instance's whole refresh (read, lock, fetch, save) happens between this
      // instance's reads and its lock: placed exactly with a store whose first two reads (the
      // cache check, then the refresh's own check) come from before that save.
      await client().get(GET_PATH);
      expect(sim.callsTo('gettoken')).toHaveLength(1);
      const store = new DatabaseTokenStore(ds);
      let reads = 0;
      const staleFirstRead: typeof store = Object.assign(Object.create(store), {
        read: (key: string) => (reads++ < 2 ? Promise.resolve(null) : store.read(key)),
      });
      await client({ tokenStore: staleFirstRead }).get(GET_PATH);
      expect(sim.callsTo('gettoken')).toHaveLength(1);
    });

    it('two instances, each with its own database connection, starting concurrently share one token', async () => {
      const ds2 = await openDatabase(db.url);
      try {
        const a = client();
        const b = client({}, ds2);
        await Promise.all([
          ...Array.from({ length: 10 }, () => a.get(GET_PATH)),
          ...Array.from({ length: 10 }, () => b.get(GET_PATH)),
        ]);
        expect(sim.callsTo('gettoken')).toHaveLength(1);
        expect(sim.successfulCalls(GET_PATH)).toHaveLength(20);
        const [token] = await tokenRows();
        expect((await a.accessToken()).accessToken).toBe(token.access_token);
        expect((await b.accessToken()).accessToken).toBe(token.access_token);

        // After WeCom expires the token, the first instance refreshes; the second one, still
        // holding the old token in memory, picks up the new one from the store instead of
        // calling gettoken itself.
        sim.expireTokens();
        await a.get(GET_PATH);
        expect(sim.callsTo('gettoken')).toHaveLength(2);
        await b.get(GET_PATH);
        expect(sim.callsTo('gettoken')).toHaveLength(2);
        expect((await b.accessToken()).accessToken).toBe((await a.accessToken()).accessToken);
      } finally {
        await ds2.destroy();
      }
    });

    it('two instances that both see the token expire at once refresh it only once', async () => {
      const ds2 = await openDatabase(db.url);
      try {
        const a = client();
        const b = client({}, ds2);
        await a.get(GET_PATH);
        await b.get(GET_PATH);
        expect(sim.callsTo('gettoken')).toHaveLength(1);
        sim.expireTokens();
        await Promise.all([
          ...Array.from({ length: 8 }, () => a.get(GET_PATH)),
          ...Array.from({ length: 8 }, () => b.get(GET_PATH)),
        ]);
        expect(sim.callsTo('gettoken')).toHaveLength(2);
      } finally {
        await ds2.destroy();
      }
    });

    it('a short-lived token (30 s) is cached too: the early-refresh margin leaves it usable', async () => {
      let clock = Date.now();
      const shortSim = await WecomSimulator.start({ corpId: CORP.corpId, secrets: [SECRET], tokenTtlSeconds: 30, now: () => clock });
      try {
        const c = client({}, ds, shortSim);
        for (let i = 0; i < 5; i++) await c.get(GET_PATH);
        expect(shortSim.callsTo('gettoken')).toHaveLength(1);
        const [row] = await tokenRows();
        // Refreshed early, but not so early that the token is stale the moment it arrives.
        expect(Number(row.expires_at)).toBeGreaterThan(Date.now() + 20_000);
        expect(Number(row.expires_at)).toBeLessThanOrEqual(Date.now() + 30_000);

        // WeCom's clock passes the 30 s: the token is rejected (42001), refreshed once, and the call succeeds.
        clock += 31_000;
        await c.get(GET_PATH);
        expect(shortSim.callsTo('gettoken')).toHaveLength(2);
        expect(shortSim.callsTo(GET_PATH).map((call) => call.errcode)).toEqual([0, 0, 0, 0, 0, 42001, 0]);
      } finally {
        await shortSim.close();
      }
    });
  });

  describe('token rejected by WeCom', () => {
    it('42001 (expired) → one refresh and the call succeeds', async () => {
      const c = client();
      await c.get(GET_PATH);
      sim.expireTokens();
      const reply = await c.get<{ ip_list: string[] }>(GET_PATH);
      expect(reply.ip_list).toEqual(['127.0.0.1']);
      expect(sim.callsTo('gettoken')).toHaveLength(2);
      expect(sim.callsTo(GET_PATH).map((call) => call.errcode)).toEqual([0, 42001, 0]);
    });

    it('40014 (revoked) → one refresh and the call succeeds, also for POST', async () => {
      const c = client();
      await c.post(POST_PATH, {});
      sim.revokeTokens();
      await c.post(POST_PATH, {});
      expect(sim.callsTo('gettoken')).toHaveLength(2);
      expect(sim.callsTo(POST_PATH).map((call) => call.errcode)).toEqual([0, 40014, 0]);
    });

    it('concurrent calls that all hit an expired token refresh it once', async () => {
      const c = client();
      await c.get(GET_PATH);
      sim.expireTokens();
      await Promise.all(Array.from({ length: 10 }, () => c.get(GET_PATH)));
      expect(sim.callsTo('gettoken')).toHaveLength(2);
      expect(sim.successfulCalls(GET_PATH)).toHaveLength(11);
    });

    it('a token error that persists after one refresh surfaces as WecomApiError (no loop)', async () => {
      const c = client();
      sim.faults.inject({ path: GET_PATH, errcode: 42001, errmsg: 'access_token expired', times: 10 });
      const error = await c.get(GET_PATH).catch((e) => e);
      expect(error).toBeInstanceOf(WecomApiError);
      expect(error).toMatchObject({ errcode: 42001, errmsg: 'access_token expired', path: GET_PATH });
      expect(sim.callsTo(GET_PATH)).toHaveLength(2);
      expect(sim.callsTo('gettoken')).toHaveLength(2);
    });

    it('gettoken failing with a bad secret surfaces as WecomApiError and stores nothing usable', async () => {
      const c = client({ secret: 'not-the-right-secret' });
      const error = await c.get(GET_PATH).catch((e) => e);
      expect(error).toBeInstanceOf(WecomApiError);
      expect(error.errcode).toBe(40001);
      expect(error.path).toBe('gettoken');
      expect(sim.callsTo(GET_PATH)).toHaveLength(0);
      const rows = await tokenRows();
      expect(rows.every((r: { access_token: string | null }) => r.access_token === null)).toBe(true);
      // The refresh lock was released: the next attempt calls gettoken again at once.
      await c.get(GET_PATH).catch(() => undefined);
      expect(sim.callsTo('gettoken')).toHaveLength(2);
    });
  });

  describe('retries', () => {
    it('-1 (system busy) is retried with backoff and succeeds', async () => {
      const c = client();
      sim.faults.inject({ path: GET_PATH, errcode: -1, errmsg: 'system busy', times: 2 });
      const reply = await c.get<{ ip_list: string[] }>(GET_PATH);
      expect(reply.ip_list).toEqual(['127.0.0.1']);
      expect(sim.callsTo(GET_PATH).map((call) => call.errcode)).toEqual([-1, -1, 0]);
      // The retries spaced out: each retry arrived after a pause (backoff ≥ 100 ms for -1).
      const at = sim.callsTo(GET_PATH).map((call) => call.at);
      expect(at[1] - at[0]).toBeGreaterThanOrEqual(90);
      expect(at[2] - at[1]).toBeGreaterThanOrEqual(90);
    });

    it('45033 (too many concurrent calls) and 45009 (frequency limit) are retried, POST included', async () => {
      const c = client();
      sim.faults.inject({ path: POST_PATH, errcode: 45033, times: 1 });
      sim.faults.inject({ path: POST_PATH, errcode: 45009, times: 1 });
      await c.post(POST_PATH, {});
      expect(sim.callsTo(POST_PATH).map((call) => call.errcode)).toEqual([45033, 45009, 0]);
    });

    it('a persistent retryable error surfaces as WecomApiError with errcode and errmsg after maxAttempts', async () => {
      const c = client({ maxAttempts: 3 });
      sim.faults.inject({ path: GET_PATH, errcode: -1, errmsg: 'system busy, try later', times: 10 });
      const error = await c.get(GET_PATH).catch((e) => e);
      expect(error).toBeInstanceOf(WecomApiError);
      expect(error.errcode).toBe(-1);
      expect(error.errmsg).toBe('system busy, try later');
      expect(error.retryable).toBe(true);
      expect(error.message).toContain('-1');
      expect(sim.callsTo(GET_PATH)).toHaveLength(3);
    });

    it('per-call maxAttempts overrides the client default', async () => {
      const c = client({ maxAttempts: 5 });
      sim.faults.inject({ path: GET_PATH, errcode: -1, times: 10 });
      await expect(c.get(GET_PATH, {}, { maxAttempts: 1 })).rejects.toBeInstanceOf(WecomApiError);
      expect(sim.callsTo(GET_PATH)).toHaveLength(1);
    });

    it('a non-retryable errcode (40003) is not retried', async () => {
      const c = client();
      sim.faults.inject({ path: POST_PATH, errcode: 40003, errmsg: 'invalid userid', times: 5 });
      const error = await c.post(POST_PATH, { tag_id: ['x'] }).catch((e) => e);
      expect(error).toBeInstanceOf(WecomApiError);
      expect(error).toMatchObject({ errcode: 40003, errmsg: 'invalid userid', retryable: false });
      expect(sim.callsTo(POST_PATH)).toHaveLength(1);
    });

    it('a deadline stops retrying when the next pause would pass it', async () => {
      const c = client();
      sim.faults.inject({ path: GET_PATH, errcode: 45009, times: 5 });
      // 45009 waits at least 500 ms before retrying; a deadline 300 ms away leaves no room.
      await expect(c.get(GET_PATH, {}, { deadlineAt: Date.now() + 300 })).rejects.toMatchObject({ errcode: 45009 });
      expect(sim.callsTo(GET_PATH)).toHaveLength(1);
    });
  });

  describe('network trouble', () => {
    it('a deadline also stops network retries of a GET', async () => {
      const c = client();
      await c.get(GET_PATH);
      sim.faults.inject({ path: GET_PATH, dropConnection: true, times: 5 });
      // Any retry pause plus the 500 ms safety margin would pass a deadline 450 ms away.
      await expect(c.get(GET_PATH, {}, { deadlineAt: Date.now() + 450 })).rejects.toBeInstanceOf(WecomNetworkError);
      expect(sim.callsTo(GET_PATH).map((call) => call.errcode)).toEqual([0, null]);
    });

    it('a response slower than timeoutMs → WecomNetworkError', async () => {
      await client().post(POST_PATH, {}); // token in the store
      const c = client({ timeoutMs: 200 });
      sim.faults.inject({ path: POST_PATH, latencyMs: 600, times: 1 });
      const error = await c.post(POST_PATH, {}).catch((e) => e);
      expect(error).toBeInstanceOf(WecomNetworkError);
      expect(error.path).toBe(POST_PATH);
      expect(error.retryable).toBe(true);
      // The simulator records the slow call when it finally answers; it was not sent twice.
      await eventually(() => sim.callsTo(POST_PATH).length === 2);
      expect(sim.callsTo(POST_PATH)).toHaveLength(2);
    });

    it('GET is retried after a timeout and succeeds', async () => {
      await client().get(GET_PATH); // token in the store
      const c = client({ timeoutMs: 200 });
      sim.faults.inject({ path: GET_PATH, latencyMs: 600, times: 1 });
      const reply = await c.get<{ ip_list: string[] }>(GET_PATH);
      expect(reply.ip_list).toEqual(['127.0.0.1']);
      // First call, the timed-out one (recorded once the simulator answers it), and the retry.
      await eventually(() => sim.callsTo(GET_PATH).length === 3);
      expect(sim.callsTo(GET_PATH)).toHaveLength(3);
    });

    it('GET is retried after a dropped connection', async () => {
      const c = client();
      await c.get(GET_PATH);
      sim.faults.inject({ path: GET_PATH, dropConnection: true, times: 2 });
      await c.get(GET_PATH);
      expect(sim.callsTo(GET_PATH).map((call) => call.errcode)).toEqual([0, null, null, 0]);
    });

    it('GET gives up after maxAttempts network failures', async () => {
      const c = client({ maxAttempts: 2 });
      await c.get(GET_PATH);
      sim.faults.inject({ path: GET_PATH, dropConnection: true, times: 5 });
      await expect(c.get(GET_PATH)).rejects.toBeInstanceOf(WecomNetworkError);
      expect(sim.callsTo(GET_PATH).map((call) => call.errcode)).toEqual([0, null, null]);
    });

    it('POST is not retried on a network error by default (WeCom may have acted), but can opt in', async () => {
      const c = client();
      await c.post(POST_PATH, {});
      sim.faults.inject({ path: POST_PATH, dropConnection: true, times: 1 });
      await expect(c.post(POST_PATH, {})).rejects.toBeInstanceOf(WecomNetworkError);
      expect(sim.callsTo(POST_PATH).map((call) => call.errcode)).toEqual([0, null]);

      sim.faults.inject({ path: POST_PATH, dropConnection: true, times: 1 });
      await c.post(POST_PATH, {}, { retryOnNetworkError: true });
      expect(sim.callsTo(POST_PATH).map((call) => call.errcode)).toEqual([0, null, null, 0]);
    });

    it('an unreachable WeCom is a WecomNetworkError', async () => {
      const dead = await WecomSimulator.start({ corpId: CORP.corpId, secrets: [SECRET] });
      const base = dead.baseUrl;
      await dead.close();
      const c = new WecomClient({
        apiBase: base,
        corpId: CORP.corpId,
        secret: SECRET,
        label: 'contact',
        tokenStore: new DatabaseTokenStore(ds),
        logger: silentLogger,
        timeoutMs: 1000,
      });
      await expect(c.get(GET_PATH)).rejects.toBeInstanceOf(WecomNetworkError);
    });
  });

  describe('secrets', () => {
    it('never appear in the simulator call record or in the logs', async () => {
      const { logger, lines } = memoryLogger();
      const c = client({ logger, maxAttempts: 2 });
      // A mix of everything that logs: refresh, token rejection, busy retries, errors, timeouts.
      await c.get(GET_PATH);
      sim.expireTokens();
      await c.post(POST_PATH, {});
      sim.faults.inject({ path: GET_PATH, errcode: -1, times: 1 });
      await c.get(GET_PATH);
      sim.faults.inject({ path: POST_PATH, errcode: 45033, times: 5 });
      await c.post(POST_PATH, {}).catch(() => undefined);
      sim.faults.inject({ path: GET_PATH, latencyMs: 600, times: 2 });
      await expect(client({ logger, timeoutMs: 200, maxAttempts: 2 }).get(GET_PATH)).rejects.toBeInstanceOf(WecomNetworkError);
      sim.revokeTokens();
      sim.faults.inject({ path: 'gettoken', dropConnection: true, times: 1 });
      await c.get(GET_PATH).catch(() => undefined);
      await c.get(GET_PATH);
      const badSecret = 'wrong-secret-value-777';
      await client({ logger, secret: badSecret }).get(GET_PATH).catch(() => undefined);

      expect(lines.length).toBeGreaterThan(3);
      const logText = lines.join('');
      expect(logText).toContain('access token refreshed');
      expect(logText).toContain('refreshing once');
      const token = (await c.accessToken()).accessToken;
      for (const secret of [SECRET, badSecret, token]) {
        expect(logText).not.toContain(secret);
        expect(JSON.stringify(sim.calls)).not.toContain(secret);
      }
      const gettokens = sim.callsTo('gettoken');
      expect(gettokens.length).toBeGreaterThan(1);
      expect(gettokens.every((call) => call.query.corpsecret === '***' && call.query.corpid === CORP.corpId)).toBe(true);
    });

    it('errors thrown to callers do not carry the secret or the token', async () => {
      const c = client();
      await c.get(GET_PATH);
      const token = (await c.accessToken()).accessToken;
      sim.faults.inject({ path: POST_PATH, latencyMs: 600, times: 1 });
      const networkError = await client({ timeoutMs: 200 }).post(POST_PATH, {}).catch((e) => e);
      sim.faults.inject({ path: POST_PATH, errcode: 40003, times: 1 });
      const apiError = await c.post(POST_PATH, {}).catch((e) => e);
      expect(networkError).toBeInstanceOf(WecomNetworkError);
      expect(apiError).toBeInstanceOf(WecomApiError);
      for (const error of [networkError, apiError]) {
        const text = `${error.message} ${error.stack} ${JSON.stringify(error)}`;
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(token);
      }
    });
  });
});
