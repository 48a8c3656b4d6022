import type { WecomSimulator } from '../../src/wecom/simulator';
import { driverFor, keepAliveAgent, openLoop, postAdd, PostResult, PreparedAdd, prepareAdd, startSimulator } from '../../../scripts/bench/lib/load';
import { BenchDatabase, createDatabase, DbProbe, openProbe, ServiceProcess, sleep, startService } from '../../../scripts/bench/lib/service';
import { CHANNEL_TAGS, count, createChannel, deliverUntilAcked, describeMysql, expectEachAddCapturedOnce, mysqlUrl, outcome, settled } from './support';

const REPS = ['ti-rep1', 'ti-rep2', 'ti-rep3', 'ti-rep4'];
const ADDS = 600;

/**
 * Scale-out: two service processes (different INSTANCE_ID and PORT) on one MariaDB share a burst.
 * Callbacks alternate between them and 30% are delivered again to the *other* instance (WeCom's
 * retry landing behind a load balancer on another node). Nothing may be duplicated: lead, tag
 * call, welcome, notice, or job.
 */
describeMysql('two instances on one MariaDB share a burst', () => {
  let db: BenchDatabase;
  let sim: WecomSimulator;
  const services: ServiceProcess[] = [];
  let probe: DbProbe | undefined;

  beforeAll(async () => {
    db = await createDatabase('mysql', mysqlUrl, 'xiansuo_f');
    sim = await startSimulator(REPS);
    for (const id of ['node-a', 'node-b']) services.push(await startService({ databaseUrl: db.url, apiBase: sim.baseUrl, instanceId: `fault-${id}` }));
    probe = await openProbe(db.url);
  });
  afterAll(async () => {
    for (const s of services) await s.stop();
    await probe?.close();
    await sim?.close();
    await db?.drop();
  });

  it('duplicates no lead, tag call, welcome, notice or job', async () => {
    const channel = await createChannel(services[0].url, REPS);
    const drivers = services.map((s) => driverFor(sim, s.url));
    const agent = keepAliveAgent(64);
    const adds: PreparedAdd[] = [];
    const home = new Map<PreparedAdd, number>();
    const statuses = new Map<PreparedAdd, number>();
    const redeliveries: Array<Promise<PostResult>> = [];
    await openLoop({
      rate: 80,
      seconds: ADDS / 80,
      drainMs: 15_000,
      send: async (i) => {
        const node = i % 2;
        const add = prepareAdd(sim, drivers[node], { userId: REPS[i % REPS.length], state: channel.state, index: i });
        adds.push(add);
        home.set(add, node);
        const first = postAdd(agent, add, 10_000);
        if (i % 10 < 3) {
          const other = add.sealed.url.replace(services[node].url, services[1 - node].url);
          // Sometimes at the same moment, sometimes a little later.
          redeliveries.push((i % 2 ? Promise.resolve() : sleep(300)).then(() => postAdd(agent, add, 10_000, other)));
        }
        statuses.set(add, (await first).status);
      },
    });
    const again = await Promise.all(redeliveries);
    expect(again.every((r) => r.status === 200)).toBe(true);
    await deliverUntilAcked(agent, adds.filter((a) => statuses.get(a) !== 200), 60);
    await settled(probe!, 90_000);

    const o = await outcome(probe!, sim, adds);
    expectEachAddCapturedOnce(o, ADDS);
    expect(o.welcomes).toBe(ADDS - o.expiredWelcomes.length);
    for (const add of adds) expect(o.markTagSuccesses.get(add.externalUserId)).toBe(1);
    const leadIds = (await probe!.query<{ id: number }>(`SELECT id FROM lead`)).map((l) => Number(l.id));
    for (const id of leadIds) expect(o.noticesPerLead.get(id)).toBe(1);
    expect(await count(probe!, `SELECT COUNT(*) AS n FROM lead_tag`)).toBe(ADDS * CHANNEL_TAGS.length);
    expect(await count(probe!, `SELECT COUNT(*) AS n FROM inbox_event`)).toBe(ADDS);
    // One welcome per add, on its inbox row.
    expect(await count(probe!, `SELECT COUNT(*) AS n FROM inbox_event WHERE welcome_status IS NOT NULL`)).toBe(ADDS);
    // One lead.captured job per add, naming the subscribers that act on a WeCom add with channel tags.
    const captured = await probe!.query<{ payload: string; status: string }>(`SELECT payload, status FROM job WHERE kind = 'event:lead.captured'`);
    expect(captured).toHaveLength(ADDS);
    for (const job of captured) {
      expect(job.status).toBe('done');
      // The nurture subscriber is named until a fresh process has learnt which channels its
      // sequences use (it then leaves out captures through other channels): here, none do.
      const named = (JSON.parse(job.payload) as { subscribers: string[] }).subscribers.filter((s) => s !== 'nurture-enroll-on-capture');
      expect(named).toEqual(['channel-tags', 'notify-added-rep']);
    }
    expect(await count(probe!, `SELECT COUNT(*) AS n FROM timeline_entry WHERE kind = 'welcome.sent'`)).toBe(ADDS);
    // Both instances did work (leases carry the instance id).
    const owners = await probe!.query<{ owner: string }>(`SELECT DISTINCT SUBSTRING_INDEX(lease_owner, '#', 1) AS owner FROM job WHERE lease_owner IS NOT NULL`);
    expect(owners.map((r) => r.owner).sort()).toEqual(['fault-node-a', 'fault-node-b']);
    for (const s of services) expect(s.alive()).toBe(true);
  });
});
