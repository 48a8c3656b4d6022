import { randomBytes } from 'node:crypto';
import type mysql from 'mysql2/promise';
import type { WecomSimulator } from '../../src/wecom/simulator';
import { parseDatabaseUrl } from '../../src/db/url';
import { driverFor, get, keepAliveAgent, pool, postAdd, PreparedAdd, prepareAdd, startSimulator } from '../../../scripts/bench/lib/load';
import {
  BenchDatabase,
  createDatabase,
  DbProbe,
  mysqlAdmin,
  openProbe,
  openSqlite,
  ServiceProcess,
  SqliteHandle,
  startService,
  withDatabase,
} from '../../../scripts/bench/lib/service';
import { createChannel, deliverUntilAcked, describeMysql, expectEachAddCapturedOnce, halfWritten, mysqlUrl, outcome, settled } from './support';

const REPS = ['outage-rep1', 'outage-rep2'];

/**
 * The database goes away and comes back. Callbacks that arrive meanwhile must not be acknowledged
 * (so WeCom retries them), nothing may be half-written (an inbox row without its welcome job or the
 * reverse), and once the database is back the retried callbacks are processed like any other.
 */
async function scenario(
  sim: WecomSimulator,
  service: ServiceProcess,
  probe: DbProbe,
  outage: { begin(): Promise<void>; end(): Promise<void> },
  duringOutage: number,
  expectStatus: (status: number) => void,
) {
  const channel = await createChannel(service.url, REPS);
  const driver = driverFor(sim, service.url);
  const agent = keepAliveAgent(32);
  const before = Array.from({ length: 20 }, (_, i) => prepareAdd(sim, driver, { userId: REPS[i % 2], state: channel.state, index: i }));
  await deliverUntilAcked(agent, before, 40);
  await settled(probe);

  await outage.begin();
  const during: PreparedAdd[] = Array.from({ length: duringOutage }, (_, i) => prepareAdd(sim, driver, { userId: REPS[i % 2], state: channel.state, index: 100 + i }));
  const results = await pool(during, 4, (add) => postAdd(agent, add, 20_000));
  const health = await get(agent, `${service.url}/healthz`);
  const ready = await get(agent, `${service.url}/readyz`);
  await outage.end();

  for (const r of results) expectStatus(r.status);
  expect(results.filter((r) => r.status === 200).length).toBeLessThan(during.length);
  expect(service.alive()).toBe(true);
  expect(health.status).toBe(200);
  // WeCom's retries after recovery: each un-acked callback is delivered again until it gets its 200.
  await deliverUntilAcked(agent, during.filter((_, i) => results[i].status !== 200), 40);
  await settled(probe, 60_000);

  const all = [...before, ...during];
  const o = await outcome(probe, sim, all);
  const waited = during.map((a) => ((a.ackedAt ?? NaN) - a.issuedAt) / 1000);
  console.log(`[outage] first 200 after ${waited.map((s) => s.toFixed(1)).join(', ')} s; welcomes expired: ${o.expiredWelcomes.length}`);
  expectEachAddCapturedOnce(o, all.length);
  expect(await halfWritten(probe)).toEqual({ inboxWithoutWelcome: [], welcomeWithoutInbox: [] });
  for (const add of all) expect(o.markTagSuccesses.get(add.externalUserId)).toBe(1);
  return { results, ready };
}

describe('database outage (SQLite: another process holds the write lock)', () => {
  let db: BenchDatabase;
  let sim: WecomSimulator;
  let service: ServiceProcess | undefined;
  let probe: DbProbe | undefined;
  let locker: SqliteHandle | undefined;

  beforeAll(async () => {
    db = await createDatabase('sqlite', undefined, 'xiansuo_f');
    sim = await startSimulator(REPS);
    service = await startService({ databaseUrl: db.url, apiBase: sim.baseUrl, instanceId: 'fault-outage-sqlite' });
    probe = await openProbe(db.url);
  });
  afterAll(async () => {
    locker?.close();
    await service?.stop();
    await probe?.close();
    await sim?.close();
    await db?.drop();
  });

  // What a backup tool or a stray `sqlite3` shell holding BEGIN EXCLUSIVE does: every write waits
  // busy_timeout (5 s) and then fails. Contained to this test's own database file.
  it('answers 503 while the database cannot be written, keeps nothing half-written, processes the retries', async () => {
    const file = parseDatabaseUrl(db.url).file!;
    const { results } = await scenario(
      sim,
      service!,
      probe!,
      {
        begin: async () => {
          locker = openSqlite(file);
          locker.pragma('busy_timeout = 0');
          locker.exec('BEGIN EXCLUSIVE');
        },
        end: async () => {
          locker!.exec('COMMIT');
          locker!.close();
          locker = undefined;
        },
      },
      3,
      // 503 = could not store; 0 = no answer within 20 s (the event loop waits out busy_timeout):
      // both are "no 200", which WeCom retries.
      (status) => expect([0, 503]).toContain(status),
    );
    expect(results.some((r) => r.status === 503)).toBe(true);
  });
});

describeMysql('database outage (MariaDB: the service account is locked and its connections killed)', () => {
  let db: BenchDatabase;
  let sim: WecomSimulator;
  let service: ServiceProcess | undefined;
  let probe: DbProbe | undefined;
  let admin: mysql.Connection | undefined;
  const user = `xsf_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');

  beforeAll(async () => {
    db = await createDatabase('mysql', mysqlUrl, 'xiansuo_f');
    admin = await mysqlAdmin(mysqlUrl);
    // A dedicated account with rights on this test's database only: the outage touches nothing else.
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await admin.query(`GRANT ALL PRIVILEGES ON \`${db.name}\`.* TO '${user}'@'%'`);
    const serviceUrl = withDatabase(mysqlUrl!, db.name, { username: user, password });
    sim = await startSimulator(REPS);
    service = await startService({ databaseUrl: serviceUrl, apiBase: sim.baseUrl, instanceId: 'fault-outage-mysql' });
    probe = await openProbe(db.url);
  });
  afterAll(async () => {
    await service?.stop();
    await probe?.close();
    await sim?.close();
    await admin?.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await admin?.end();
    await db?.drop();
  });

  it('answers 503 (and /readyz 503) while the database refuses the service, keeps nothing half-written, processes the retries', async () => {
    const killConnections = async () => {
      const [rows] = await admin!.query(`SELECT id FROM information_schema.processlist WHERE user = ?`, [user]);
      for (const { id } of rows as Array<{ id: number }>) await admin!.query(`KILL CONNECTION ${Number(id)}`).catch(() => undefined);
    };
    const { ready } = await scenario(
      sim,
      service!,
      probe!,
      {
        begin: async () => {
          await admin!.query(`ALTER USER '${user}'@'%' ACCOUNT LOCK`);
          await killConnections();
        },
        end: async () => {
          await admin!.query(`ALTER USER '${user}'@'%' ACCOUNT UNLOCK`);
        },
      },
      6,
      (status) => expect(status).toBe(503),
    );
    expect(ready.status).toBe(503);
  });
});
