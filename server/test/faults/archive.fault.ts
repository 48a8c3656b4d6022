import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateArchiveKeyPem, type WecomSimulator } from '../../src/wecom/simulator';
import { driverFor, keepAliveAgent, PreparedAdd, prepareAdd, startSimulator } from '../../../scripts/bench/lib/load';
import { BenchDatabase, createDatabase, DbProbe, freePort, openProbe, ServiceOptions, ServiceProcess, startService, waitFor } from '../../../scripts/bench/lib/service';
import { count, createChannel, deliverUntilAcked, describeMysql, mysqlUrl, settled } from './support';

const REPS = ['af-rep1', 'af-rep2', 'af-rep3'];
const CUSTOMERS = 30;
const MESSAGES = 600;
const ARCHIVE_SECRET = 'archive-secret-for-fault-tests';

/**
 * The chat archive loses nothing and duplicates nothing across a crash (issue 13): two service
 * processes on one MariaDB pull the simulator's archive every second behind the scheduler's lease
 * (a pull outlasts a slot, so the next slot's pull on the other instance races it for the same
 * batch), 100 messages per GetChatData call, sealed under two key versions. One process is
 * SIGKILLed in the middle of the archive and started again. Afterwards every message is stored
 * exactly once, the cursor stands at the last seq, each customer message raised its event once,
 * and each rep answer is one response time.
 */
describeMysql('chat archive exactly once: two instances, SIGKILL mid-archive', () => {
  let db: BenchDatabase;
  let sim: WecomSimulator;
  let keysDir: string;
  const services: ServiceProcess[] = [];
  const options: ServiceOptions[] = [];
  let probe: DbProbe | undefined;

  beforeAll(async () => {
    db = await createDatabase('mysql', mysqlUrl, 'xiansuo_f');
    sim = await startSimulator(REPS, [ARCHIVE_SECRET]);
    keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-archive-keys-'));
    probe = await openProbe(db.url);
  });
  afterAll(async () => {
    for (const s of services) await s.stop();
    await probe?.close();
    await sim?.close();
    await db?.drop();
    if (keysDir) fs.rmSync(keysDir, { recursive: true, force: true });
  });

  it('stores every message once, raises each event once, and ends at the last seq', async () => {
    const p = probe!;
    for (const id of ['node-a', 'node-b']) {
      const o: ServiceOptions = {
        databaseUrl: db.url,
        apiBase: sim.baseUrl,
        instanceId: `fault-archive-${id}`,
        port: await freePort(),
        env: {
          ARCHIVE_SECRET,
          ARCHIVE_SIMULATOR_URL: sim.baseUrl,
          ARCHIVE_KEYS_DIR: keysDir,
          ARCHIVE_MEDIA_DIR: path.join(keysDir, `media-${id}`),
          ARCHIVE_DECRYPT_THREADS: '1',
          ARCHIVE_PULL_LIMIT: '100',
          ARCHIVE_PULL_CRON: '* * * * * *',
        },
      };
      options.push(o);
    }

    // Customers who added the reps (so their messages land on leads), through a service without the archive.
    services.push(await startService({ ...options[0], env: {} }));
    const channel = await createChannel(services[0].url, REPS);
    const driver = driverFor(sim, services[0].url);
    const adds: PreparedAdd[] = [];
    for (let i = 0; i < CUSTOMERS; i++) adds.push(prepareAdd(sim, driver, { userId: REPS[i % REPS.length], state: channel.state, index: i }));
    await deliverUntilAcked(keepAliveAgent(8), adds, 30);
    await settled(p, 60_000);
    await services.pop()!.stop();

    // The archive: customers ask (with an intent word), reps answer; two answers are recalled.
    // The first half is sealed under key v1, the rest under v2 after a rotation.
    const archive = sim.state.archive;
    archive.keys.current();
    const start = Date.now() - 60 * 60_000;
    const answerIds: string[] = [];
    for (let i = 0; i < MESSAGES / 2; i++) {
      if (i === MESSAGES / 4) archive.keys.rotate(generateArchiveKeyPem());
      const add = adds[i % CUSTOMERS];
      const rep = REPS[i % CUSTOMERS % REPS.length];
      archive.customerText(add.externalUserId, rep, `问题 ${i}：价格多少？`, { msgtime: start + i * 2000 });
      answerIds.push(archive.repText(rep, add.externalUserId, `回答 ${i}`, { msgtime: start + i * 2000 + 1000 }).msgid);
    }
    const versions = archive.keys.privateKeys();
    expect(versions.map((k) => k.version)).toEqual([1, 2]);
    for (const { version, pem } of versions) fs.writeFileSync(path.join(keysDir, `v${version}.pem`), pem);
    const customerMessages = MESSAGES / 2;
    archive.recall(answerIds[3]);
    archive.recall(answerIds[7]);
    const lastSeq = archive.lastSeq;
    expect(lastSeq).toBeGreaterThanOrEqual(MESSAGES + 2);

    for (const o of options) services.push(await startService(o));

    // SIGKILL one instance once the archive is a third read, while it is pulling.
    await waitFor(async () => (await count(p, `SELECT COALESCE(MAX(seq), 0) AS n FROM archive_cursor`)) >= lastSeq / 3, 120_000, 50, 'a third of the archive read');
    const seqAtKill = await count(p, `SELECT seq AS n FROM archive_cursor`);
    expect(seqAtKill).toBeLessThan(lastSeq);
    await services[0].kill('SIGKILL');
    services[0] = await startService(options[0]);

    await waitFor(async () => (await count(p, `SELECT seq AS n FROM archive_cursor`)) === lastSeq, 240_000, 200, 'the whole archive read');
    await settled(p, 60_000);

    expect(await count(p, `SELECT COUNT(*) AS n FROM chat_message`)).toBe(MESSAGES);
    expect(await count(p, `SELECT COUNT(DISTINCT msgid) AS n FROM chat_message`)).toBe(MESSAGES);
    expect(await count(p, `SELECT COUNT(*) AS n FROM chat_message WHERE lead_id IS NULL`)).toBe(0);
    expect(await count(p, `SELECT COUNT(*) AS n FROM chat_message WHERE recalled_at IS NOT NULL`)).toBe(2);
    // One event per customer message, one response per answer, one intent activity per question.
    expect(await count(p, `SELECT COUNT(*) AS n FROM job WHERE kind = 'event:customer.message_received'`)).toBe(customerMessages);
    expect(await count(p, `SELECT COUNT(*) AS n FROM chat_response`)).toBe(MESSAGES / 2);
    expect(await count(p, `SELECT COUNT(*) AS n FROM lead_activity WHERE kind = 'intent_keyword'`)).toBe(customerMessages);
    expect(await count(p, `SELECT COUNT(*) AS n FROM job WHERE status = 'dead'`)).toBe(0);
    expect(await count(p, `SELECT COUNT(*) AS n FROM archive_cursor WHERE last_error IS NOT NULL`)).toBe(0);
    // Opening a message costs ~27 ms of pure-JS RSA, on a 2-core machine shared with the other process.
  }, 300_000);
});
