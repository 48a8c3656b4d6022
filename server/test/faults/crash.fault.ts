import type { WecomSimulator } from '../../src/wecom/simulator';
import { driverFor, keepAliveAgent, openLoop, postAdd, PreparedAdd, prepareAdd, startSimulator } from '../../../scripts/bench/lib/load';
import { BenchDatabase, createDatabase, DbProbe, freePort, openProbe, ServiceProcess, startService } from '../../../scripts/bench/lib/service';
import { CHANNEL_TAGS, count, createChannel, dbKinds, deliverUntilAcked, expectEachAddCapturedOnce, mysqlUrl, outcome, settled } from './support';

const REPS = ['crash-rep1', 'crash-rep2', 'crash-rep3'];
const ADDS = 600;
const RATE = 60;

/**
 * SIGKILL mid-burst: the process dies with callbacks in flight, leases held and WeCom calls
 * half-done. After a restart with the same INSTANCE_ID (its old leases are freed at once) and
 * WeCom's retries of everything that got no 200, each add ends as exactly one lead with exactly
 * one welcome; nothing acknowledged is lost.
 */
describe.each(dbKinds)('SIGKILL mid-burst (%s)', (kind) => {
  let db: BenchDatabase;
  let sim: WecomSimulator;
  let service: ServiceProcess | undefined;
  let probe: DbProbe | undefined;

  beforeAll(async () => {
    db = await createDatabase(kind, mysqlUrl, 'xiansuo_f');
    sim = await startSimulator(REPS);
  });
  afterAll(async () => {
    await service?.stop();
    await probe?.close();
    await sim?.close();
    await db?.drop();
  });

  it('loses nothing acknowledged and duplicates no side effect', async () => {
    const port = await freePort();
    const env = { databaseUrl: db.url, apiBase: sim.baseUrl, instanceId: `fault-crash-${kind}`, port };
    service = await startService(env);
    const channel = await createChannel(service.url, REPS);
    const driver = driverFor(sim, service.url);
    const agent = keepAliveAgent(64);

    const adds: PreparedAdd[] = [];
    const status = new Map<PreparedAdd, number>();
    let acked = 0;
    let killedAtAcks = 0;
    const first = service;
    // Open loop at a rate one process sustains with welcomes well inside 20 s (docs/benchmarks.md),
    // so what this test measures is the kill, not throughput.
    await openLoop({
      rate: RATE,
      seconds: ADDS / RATE,
      drainMs: 15_000,
      send: async (i) => {
        // Prepared at send time, so every welcome code is fresh when it is first delivered.
        const add = prepareAdd(sim, driver, { userId: REPS[i % REPS.length], state: channel.state, index: i });
        adds.push(add);
        const r = await postAdd(agent, add, 5000);
        status.set(add, r.status);
        if (r.status === 200 && ++acked >= ADDS * 0.4 && first.alive() && killedAtAcks === 0) {
          killedAtAcks = acked;
          first.child.kill('SIGKILL');
        }
      },
    });
    await first.exited;
    const ackedBeforeKill = adds.filter((a) => status.get(a) === 200);
    expect(killedAtAcks).toBeGreaterThanOrEqual(ADDS * 0.4);
    expect(ackedBeforeKill.length).toBeLessThan(ADDS);

    // The same instance comes back on the same database; WeCom retries whatever got no 200.
    probe = await openProbe(db.url);
    const storedBeforeRestart = await count(probe, `SELECT COUNT(*) AS n FROM inbox_event`);
    expect(storedBeforeRestart).toBeGreaterThanOrEqual(ackedBeforeKill.length);
    service = await startService(env);
    const unacked = adds.filter((a) => status.get(a) !== 200);
    await deliverUntilAcked(agent, unacked, RATE);
    await settled(probe, 90_000);

    const o = await outcome(probe, sim, adds);
    if (o.missingWelcomes.length) console.log(`[crash ${kind}] welcome jobs:`, await probe.query(`SELECT welcome_status, welcome_attempts, welcome_last_error, COUNT(*) AS n FROM inbox_event WHERE welcome_status IS NOT NULL GROUP BY welcome_status, welcome_attempts, welcome_last_error`));
    expectEachAddCapturedOnce(o, ADDS);
    expect(o.welcomes).toBe(ADDS - o.expiredWelcomes.length);
    // Tags: every customer tagged in WeCom and on the lead, each tag once.
    for (const add of adds) expect(o.markTagSuccesses.get(add.externalUserId) ?? 0).toBeGreaterThanOrEqual(1);
    expect(await count(probe, `SELECT COUNT(*) AS n FROM lead_tag`)).toBe(ADDS * CHANNEL_TAGS.length);
    for (const ext of sample(adds, 50).map((a) => a.externalUserId)) {
      const [relation] = [...(sim.state.follows.get(ext)?.values() ?? [])];
      expect(relation.tags.map((t) => t.tag_name).sort()).toEqual([...CHANNEL_TAGS].sort());
    }
    // mark_tag is the one WeCom call with no idempotency key: it can repeat only when the kill
    // hit between WeCom's answer and our commit. Such a job ran twice (attempts ≥ 2); every job that
    // ran once called WeCom once.
    const repeated = [...o.markTagSuccesses].filter(([, n]) => n > 1).map(([ext]) => ext);
    if (repeated.length) {
      const jobs = await probe.query<{ payload: string; attempts: number }>(`SELECT payload, attempts FROM job WHERE kind = 'event:lead.captured'`);
      // An event's job carries the event: the customer is in its payload.
      const externalUserIdOf = (payload: string) => (JSON.parse(payload) as { event: { payload: { externalUserId: string } } }).event.payload.externalUserId;
      const attemptsByExt = new Map(jobs.map((j) => [externalUserIdOf(j.payload), Number(j.attempts)]));
      for (const ext of repeated) expect(attemptsByExt.get(ext)).toBeGreaterThanOrEqual(2);
    }
    expect(repeated.length).toBeLessThanOrEqual(16); // at most the general lane's slots in flight at the kill
    // One welcome timeline entry per lead; one lead.captured job per add.
    expect(await count(probe, `SELECT COUNT(*) AS n FROM timeline_entry WHERE kind = 'welcome.sent'`)).toBe(ADDS);
    expect(await count(probe, `SELECT COUNT(*) AS n FROM job WHERE kind = 'event:lead.captured'`)).toBe(ADDS);
    console.log(
      `[crash ${kind}] killed after ${killedAtAcks} acks; ${ackedBeforeKill.length} acked before the kill, ${storedBeforeRestart} stored; ` +
        `${unacked.length} re-delivered after restart; mark_tag repeated for ${repeated.length} customers caught mid-call`,
    );
  });
});

function sample<T>(items: T[], n: number): T[] {
  const step = Math.max(1, Math.floor(items.length / n));
  return items.filter((_, i) => i % step === 0).slice(0, n);
}
