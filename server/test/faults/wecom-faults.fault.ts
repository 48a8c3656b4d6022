import type { WecomSimulator } from '../../src/wecom/simulator';
import { driverFor, keepAliveAgent, openLoop, postAdd, PreparedAdd, prepareAdd, startSimulator } from '../../../scripts/bench/lib/load';
import { BenchDatabase, createDatabase, DbProbe, openProbe, ServiceProcess, startService } from '../../../scripts/bench/lib/service';
import { createChannel, dbKinds, deliverUntilAcked, expectEachAddCapturedOnce, mysqlUrl, outcome, settled } from './support';

const REPS = ['wf-rep1', 'wf-rep2', 'wf-rep3'];
const ADDS = 200;

/**
 * WeCom misbehaves during a campaign: system busy (-1), frequency limit (45009), concurrency limit
 * (45033), all tokens expiring mid-run (42001), slow answers. All work still completes, and each
 * side effect happens once: one welcome per code, one mark_tag per customer, one notice per lead.
 */
describe.each(dbKinds)('WeCom faults during a burst (%s)', (kind) => {
  let db: BenchDatabase;
  let sim: WecomSimulator;
  let service: ServiceProcess | undefined;
  let probe: DbProbe | undefined;

  beforeAll(async () => {
    db = await createDatabase(kind, mysqlUrl, 'xiansuo_f');
    sim = await startSimulator(REPS);
    service = await startService({ databaseUrl: db.url, apiBase: sim.baseUrl, instanceId: `fault-wecom-${kind}` });
    probe = await openProbe(db.url);
  });
  afterAll(async () => {
    await service?.stop();
    await probe?.close();
    await sim?.close();
    await db?.drop();
  });

  it('completes all work with each side effect once', async () => {
    const channel = await createChannel(service!.url, REPS);
    const driver = driverFor(sim, service!.url);
    const agent = keepAliveAgent(64);
    sim.resetCalls();
    // Slow answers stay under WECOM_TIMEOUT_MS (5 s): a timed-out mark_tag or message/send could
    // have gone through in WeCom, and a retry would then repeat it — that is the crash case.
    sim.faults.inject({ path: 'externalcontact/send_welcome_msg', errcode: -1, errmsg: 'system busy', times: 25 });
    sim.faults.inject({ path: 'externalcontact/get', errcode: -1, errmsg: 'system busy', times: 25 });
    sim.faults.inject({ path: 'externalcontact/send_welcome_msg', latencyMs: 800, times: 15 });
    sim.faults.inject({ path: 'message/send', latencyMs: 1500, times: 20 });
    sim.faults.inject({ path: 'externalcontact/mark_tag', latencyMs: 1200, times: 20 });
    sim.faults.rateLimit('externalcontact/mark_tag', 25);
    sim.faults.rateLimit('message/send', 25);
    sim.faults.maxConcurrent('externalcontact/get', 1);
    sim.faults.maxConcurrent('message/send', 2);

    const adds: PreparedAdd[] = [];
    const statuses: number[] = [];
    await openLoop({
      rate: 50,
      seconds: ADDS / 50,
      drainMs: 15_000,
      send: async (i) => {
        if (i === ADDS / 2) sim.expireTokens();
        const add = prepareAdd(sim, driver, { userId: REPS[i % REPS.length], state: channel.state, index: i });
        adds.push(add);
        statuses.push((await postAdd(agent, add, 10_000)).status);
      },
    });
    await deliverUntilAcked(agent, adds.filter((_, i) => statuses[i] !== 200), 50);
    await settled(probe!, 120_000);

    const errcodes = new Map<number | null, number>();
    for (const c of sim.calls) errcodes.set(c.errcode, (errcodes.get(c.errcode) ?? 0) + 1);
    console.log(`[wecom faults ${kind}] errcodes seen: ${JSON.stringify(Object.fromEntries(errcodes))}`);
    // The faults did happen.
    for (const code of [-1, 45009, 45033, 42001]) expect(errcodes.get(code) ?? 0).toBeGreaterThan(0);

    const o = await outcome(probe!, sim, adds);
    expectEachAddCapturedOnce(o, ADDS);
    for (const add of adds) expect(o.markTagSuccesses.get(add.externalUserId)).toBe(1);
    const leadIds = (await probe!.query<{ id: number }>(`SELECT id FROM lead`)).map((l) => Number(l.id));
    for (const id of leadIds) expect(o.noticesPerLead.get(id)).toBe(1);
  });
});
