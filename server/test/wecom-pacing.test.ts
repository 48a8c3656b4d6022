import type { DataSource } from 'typeorm';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { silentLogger } from '../src/logger';
import { rateBudgets, WecomClient, WecomClientOptions } from '../src/wecom/client';
import { WecomPacingTimeout } from '../src/wecom/errors';
import { RateBudget, WecomRateLimiter } from '../src/wecom/rate-limiter';
import { FrequencyLimit, WecomSimulator } from '../src/wecom/simulator';
import { DatabaseTokenStore } from '../src/wecom/token-store';
import { createTestDatabase, TestDatabase } from './support/database';
import { CORP } from './support/harness';

/**
 * The client paces its calls under WeCom's per-API limits (wecom-reference.md §8), against the
 * simulator over HTTP with small limits of the same shape: a sliding window per corp and API,
 * and a block after the first 45009 long enough that any overshoot would show.
 */

const TAGS = 'externalcontact/get_corp_tag_list';
const WELCOME = 'externalcontact/send_welcome_msg';
const BLOCK_MS = 60_000;

describe('WecomClient pacing under the per-API limits', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const sims: WecomSimulator[] = [];

  const startSim = async (limit: number, windowMs: number) => {
    const frequencyLimits: FrequencyLimit[] = [{ name: `corp ${limit}/${windowMs}ms`, scope: 'corp', limit, windowMs, blockMs: BLOCK_MS }];
    const sim = await WecomSimulator.start({
      corpId: CORP.corpId,
      secrets: [CORP.contactSecret, CORP.agentSecret],
      members: [{ userid: 'zhangsan' }],
      frequencyLimits,
    });
    sims.push(sim);
    return sim;
  };

  // The margin covers the time between a call leaving and WeCom counting it; generous, so a busy
  // CI machine (a late arrival) does not turn into a 45009.
  const limiter = (budgets: RateBudget[]) => new WecomRateLimiter({ budgets, marginMs: 150 });

  const client = (sim: WecomSimulator, rateLimiter: WecomRateLimiter, overrides: Partial<WecomClientOptions> = {}) =>
    new WecomClient({
      apiBase: sim.baseUrl,
      corpId: CORP.corpId,
      secret: CORP.contactSecret,
      label: 'contact',
      tokenStore: new DatabaseTokenStore(ds),
      logger: silentLogger,
      timeoutMs: 2000,
      // A 45009 must surface, not be retried away.
      maxAttempts: 1,
      rateLimiter,
      ...overrides,
    });

  /** A customer just added rep zhangsan: a fresh welcome code and a valid welcome body. */
  const welcomeBody = (sim: WecomSimulator) => {
    const ext = sim.state.addExternalContact().external_userid;
    sim.state.addFollow('zhangsan', ext);
    return { welcome_code: sim.state.issueWelcomeCode('zhangsan', ext), text: { content: '欢迎' } };
  };

  /** Which calls to `path` reached WeCom, in arrival order, by their `tag_id[0]` marker. */
  const arrivalOrder = (sim: WecomSimulator, path = TAGS) =>
    sim.callsTo(path).map((c) => ((c.body as { tag_id?: string[] }).tag_id ?? ['?'])[0]);

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await openDatabase(db.url);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  beforeEach(async () => {
    await ds.query('DELETE FROM wecom_access_token');
  });

  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.close()));
  });

  it('without pacing the simulator answers 45009 past its limit (the control)', async () => {
    const sim = await startSim(5, 500);
    const c = client(sim, limiter([{ limit: 1000, windowMs: 500 }]));
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => c.get('getcallbackip')));
    expect(results.filter((r) => r.status === 'rejected').length).toBe(7);
    expect(sim.answered(45009, 'getcallbackip')).toBe(7);
  });

  it('paced to the limit, 20 concurrent calls all succeed, none gets a 45009, and they spread over the windows', async () => {
    const sim = await startSim(5, 500);
    const c = client(sim, limiter([{ limit: 5, windowMs: 500 }]));
    const started = Date.now();
    await Promise.all(Array.from({ length: 20 }, () => c.get('getcallbackip')));
    expect(sim.answered(45009)).toBe(0);
    const arrivals = sim.callsTo('getcallbackip').map((call) => call.at);
    expect(arrivals).toHaveLength(20);
    // Any 500 ms holds at most 5 of them: the 6th after any call comes a full window later.
    for (let i = 0; i + 5 < arrivals.length; i++) expect(arrivals[i + 5] - arrivals[i]).toBeGreaterThanOrEqual(500);
    // 20 calls at 5 per 500 ms need at least three more windows after the first.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    // The first window's worth went out at once, not trickled.
    expect(arrivals[4] - arrivals[0]).toBeLessThan(250);
  });

  it('clients sharing a limiter share the corp budget (contact and agent secrets alike)', async () => {
    const sim = await startSim(3, 500);
    const shared = limiter([{ limit: 3, windowMs: 500 }]);
    const contact = client(sim, shared);
    const agent = client(sim, shared, { secret: CORP.agentSecret, label: 'agent' });
    await Promise.all([0, 1, 2, 3, 4, 5].map((i) => (i % 2 ? contact : agent).get('getcallbackip')));
    expect(sim.answered(45009)).toBe(0);
    const arrivals = sim.callsTo('getcallbackip').map((call) => call.at);
    expect(arrivals[3] - arrivals[0]).toBeGreaterThanOrEqual(500);
  });

  it('calls wait per API: one API out of budget does not hold back another', async () => {
    const sim = await startSim(2, 1000);
    const c = client(sim, limiter([{ limit: 2, windowMs: 1000 }]));
    const backlog = Array.from({ length: 6 }, (_, i) => c.post(TAGS, { tag_id: [`t${i}`] }));
    const started = Date.now();
    await c.get('getcallbackip');
    expect(Date.now() - started).toBeLessThan(300);
    await Promise.all(backlog);
    expect(sim.answered(45009)).toBe(0);
  });

  it('when an API budget is short, urgent calls waiting for it go before normal ones', async () => {
    const sim = await startSim(2, 400);
    const rateLimiter = limiter([{ limit: 2, windowMs: 400 }]);
    const c = client(sim, rateLimiter);
    await c.accessToken();
    const normal = Array.from({ length: 6 }, (_, i) => c.post(TAGS, { tag_id: [`n${i}`] }));
    // n0 and n1 go at once; n2..n5 wait. Then two urgent calls arrive.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(rateLimiter.waiting).toBe(4);
    const urgent = [0, 1].map((i) => c.post(TAGS, { tag_id: [`u${i}`] }, { priority: 'urgent' }));
    await Promise.all([...normal, ...urgent]);
    expect(arrivalOrder(sim)).toEqual(['n0', 'n1', 'u0', 'u1', 'n2', 'n3', 'n4', 'n5']);
    expect(sim.answered(45009)).toBe(0);
  });

  it('send_welcome_msg is urgent by default: with budget short, queued welcomes go before queued normal calls of the API', async () => {
    const sim = await startSim(1, 400);
    const c = client(sim, limiter([{ limit: 1, windowMs: 400 }]));
    await c.accessToken();
    // Normal calls to the welcome API (e.g. a re-send sweep) fill its budget first.
    const first = welcomeBody(sim);
    const queuedNormal = [welcomeBody(sim), welcomeBody(sim)];
    const sends = [first, ...queuedNormal].map((body) => c.post(WELCOME, body, { priority: 'normal' }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const welcome = welcomeBody(sim);
    sends.push(c.post(WELCOME, welcome));
    await Promise.all(sends);
    expect(sim.callsTo(WELCOME).map((call) => (call.body as { welcome_code: string }).welcome_code)).toEqual([
      first.welcome_code,
      welcome.welcome_code,
      ...queuedNormal.map((b) => b.welcome_code),
    ]);
    expect(sim.answered(45009)).toBe(0);
  });

  it('a welcome never waits behind a backlog of tagging calls, neither for budget nor for a connection slot', async () => {
    const sim = await startSim(3, 1000);
    const rateLimiter = limiter([{ limit: 3, windowMs: 1000 }]);
    // One connection slot: the first tagging call holds it for 300 ms (slow WeCom).
    const c = client(sim, rateLimiter, { maxConcurrency: 1 });
    await c.accessToken();
    sim.faults.inject({ path: TAGS, latencyMs: 300, times: 3 });
    const backlog = Array.from({ length: 12 }, (_, i) => c.post(TAGS, { tag_id: [`t${i}`] }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Three tagging calls have budget (one in flight, two waiting for the slot), nine wait for budget.
    expect(rateLimiter.waiting).toBe(9);
    const started = Date.now();
    await c.post(WELCOME, welcomeBody(sim));
    // Behind the one call in flight (300 ms), ahead of the two waiting for the slot.
    expect(Date.now() - started).toBeLessThan(550);
    expect(sim.state.welcomeMessages).toHaveLength(1);
    expect(sim.calls.filter((call) => call.path !== 'gettoken').map((call) => call.path)).toEqual([TAGS, WELCOME]);
    await Promise.all(backlog);
    expect(sim.answered(45009)).toBe(0);
  });

  it('welcomes may use the headroom the share leaves below the limit of WeCom; normal calls may not', async () => {
    const sim = await startSim(4, 1000);
    const c = client(sim, limiter([{ limit: 3, urgentLimit: 4, windowMs: 1000 }]));
    await c.accessToken();
    await Promise.all([0, 1, 2].map(() => c.post(WELCOME, welcomeBody(sim), { priority: 'normal' })));
    const started = Date.now();
    await c.post(WELCOME, welcomeBody(sim));
    expect(Date.now() - started).toBeLessThan(300);
    expect(sim.state.welcomeMessages).toHaveLength(4);
    expect(sim.answered(45009)).toBe(0);
  });

  it('a welcome that would wait past its deadline gives up without sending (WecomPacingTimeout, retryable)', async () => {
    const sim = await startSim(1, 2000);
    const c = client(sim, limiter([{ limit: 1, windowMs: 2000 }]));
    await c.post(WELCOME, welcomeBody(sim));
    const error = await c.post(WELCOME, welcomeBody(sim), { deadlineAt: Date.now() + 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomPacingTimeout);
    expect((error as WecomPacingTimeout).retryable).toBe(true);
    expect(sim.callsTo(WELCOME)).toHaveLength(1);
  });

  it('message/send is not paced (§8: app messages are outside the base limit)', async () => {
    const sim = await startSim(2, 1000);
    const rateLimiter = limiter([{ limit: 2, windowMs: 1000 }]);
    const c = client(sim, rateLimiter, { secret: CORP.agentSecret, label: 'agent' });
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => c.post('message/send', { touser: 'zhangsan', msgtype: 'text', agentid: 1000002, text: { content: `n${i}` } })),
    );
    expect(Date.now() - started).toBeLessThan(800);
    expect(sim.successfulCalls('message/send')).toHaveLength(6);
  });
});

describe('WecomRateLimiter on a fake clock', () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.UTC(2026, 0, 5, 9, 0, 0) }));
  afterEach(() => jest.useRealTimers());

  /** Acquires `n` calls to one API at once; resolves with the ms (since start) each was granted. */
  const grantTimes = (limiter: WecomRateLimiter, n: number) => {
    const start = Date.now();
    return Array.from({ length: n }, () => limiter.acquire('corp', 'externalcontact/mark_tag').then(() => Date.now() - start));
  };

  it('keeps every budget: a minute-like and an hour-like window together', async () => {
    const limiter = new WecomRateLimiter({ budgets: [{ limit: 3, windowMs: 1000 }, { limit: 5, windowMs: 10_000 }], marginMs: 100 });
    const granted = grantTimes(limiter, 7);
    await jest.advanceTimersByTimeAsync(30_000);
    const times = await Promise.all(granted);
    expect(times.slice(0, 3)).toEqual([0, 0, 0]);
    // The short window reopens after 1000 ms + margin (rounded up to its buckets), for two more.
    expect(times[3]).toBeGreaterThanOrEqual(1100);
    expect(times[3]).toBeLessThan(1200);
    expect(times[4]).toBe(times[3]);
    // Then the long window is full until the first five leave it.
    expect(times[5]).toBeGreaterThanOrEqual(10_100);
    expect(times[5]).toBeLessThan(10_400);
  });

  it('counts a call from when it was sent, not from when its budget was granted', async () => {
    const limiter = new WecomRateLimiter({ budgets: [{ limit: 1, windowMs: 1000 }], marginMs: 0 });
    const ticket = await limiter.acquire('corp', 'externalcontact/mark_tag');
    // Waiting 600 ms for a connection slot before the request leaves.
    await jest.advanceTimersByTimeAsync(600);
    ticket.sent();
    const next = limiter.acquire('corp', 'externalcontact/mark_tag').then(() => Date.now());
    const sentAt = Date.now();
    await jest.advanceTimersByTimeAsync(5000);
    expect((await next) - sentAt).toBeGreaterThanOrEqual(1000);
  });

  it('urgent calls may use a reserve that normal calls leave free', async () => {
    const limiter = new WecomRateLimiter({ budgets: [{ limit: 2, urgentLimit: 3, windowMs: 1000 }], marginMs: 0 });
    const start = Date.now();
    const at = (priority: 'urgent' | 'normal') => limiter.acquire('corp', 'externalcontact/mark_tag', { priority }).then(() => Date.now() - start);
    const normal = [at('normal'), at('normal'), at('normal')];
    const urgent = [at('urgent'), at('urgent')];
    await jest.advanceTimersByTimeAsync(5000);
    const [n0, n1, n2] = await Promise.all(normal);
    const [u0, u1] = await Promise.all(urgent);
    expect([n0, n1, u0]).toEqual([0, 0, 0]);
    // The next urgent one needs one call out of the window; the next normal one needs two out,
    // and waits behind the urgent one.
    expect(u1).toBeGreaterThanOrEqual(1000);
    expect(n2).toBeGreaterThanOrEqual(u1);
  });

  it('keys by corp and API: other corps and APIs have their own budgets', async () => {
    const limiter = new WecomRateLimiter({ budgets: [{ limit: 1, windowMs: 1000 }] });
    await limiter.acquire('corp', 'externalcontact/mark_tag');
    await limiter.acquire('corp', 'externalcontact/get');
    await limiter.acquire('other-corp', 'externalcontact/mark_tag');
    expect(limiter.waiting).toBe(0);
    void limiter.acquire('corp', 'externalcontact/mark_tag');
    expect(limiter.waiting).toBe(1);
    await jest.advanceTimersByTimeAsync(5000);
    expect(limiter.waiting).toBe(0);
  });
});

describe('pacing configuration', () => {
  it('defaults to 9,000 a minute per API and 15 times that an hour, leaving 10% headroom that only welcomes may use', () => {
    const config = loadConfig({});
    expect(config.wecomRateLimitPerMinute).toBe(9000);
    expect(config.wecomRateLimitPerHour).toBeUndefined();
    expect(rateBudgets(config.wecomRateLimitPerMinute, config.wecomRateLimitPerHour)).toEqual([
      { limit: 9000, urgentLimit: 10_000, windowMs: 60_000 },
      { limit: 135_000, urgentLimit: 150_000, windowMs: 3_600_000 },
    ]);
  });

  it('a lower minute share lowers the hour and the welcome reserve too; nothing goes past the limits of WeCom', () => {
    const config = loadConfig({ WECOM_RATE_LIMIT_PER_MINUTE: '4500' });
    expect(rateBudgets(config.wecomRateLimitPerMinute, config.wecomRateLimitPerHour)).toEqual([
      { limit: 4500, urgentLimit: 5000, windowMs: 60_000 },
      { limit: 67_500, urgentLimit: 75_000, windowMs: 3_600_000 },
    ]);
    const both = loadConfig({ WECOM_RATE_LIMIT_PER_MINUTE: '4500', WECOM_RATE_LIMIT_PER_HOUR: '50000' });
    expect(both.wecomRateLimitPerHour).toBe(50_000);
    expect(rateBudgets(10_000).map((b) => b.urgentLimit)).toEqual([10_000, 150_000]);
  });

  it('refuses values that are not positive whole numbers', () => {
    expect(() => loadConfig({ WECOM_RATE_LIMIT_PER_MINUTE: '0' })).toThrow(/WECOM_RATE_LIMIT_PER_MINUTE/);
    expect(() => loadConfig({ WECOM_RATE_LIMIT_PER_HOUR: '1.5' })).toThrow(/WECOM_RATE_LIMIT_PER_HOUR/);
  });
});
