import { spawn } from 'node:child_process';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { parseDatabaseUrl } from '../../server/src/db/url';
import { driverFor, fmt, keepAliveAgent, openLoop, postSealed, PostResult, PreparedAdd, prepareAdd, startSimulator, summarize } from './lib/load';
import { table, today, writeSection, machineLine } from './lib/report';
import { adminCall, createDatabase, freePort, openProbe, sleep, startService, waitFor } from './lib/service';
import type { BenchArgs } from './run';

/**
 * Scenario 1, callback ack: pre-sealed add_external_contact callbacks, open loop at rising rates,
 * against the service (store-then-ack, workers running as in production) and, in the same run,
 * against a bare Koa endpoint that only verifies and decrypts — the ceiling.
 */
export async function benchAck(args: BenchArgs): Promise<void> {
  const rates = args.rates ?? [100, 250, 500, 1000];
  const seconds = args.seconds ?? 5;
  const db = await createDatabase(args.db, args.mysqlUrl);
  const sim = await startSimulator(['rep01', 'rep02', 'rep03']);
  const service = await startService({ databaseUrl: db.url, apiBase: sim.baseUrl, instanceId: 'bench-ack' });
  // The web tier alone (no workers) on its own database: what intake costs without processing beside it.
  const webDb = await createDatabase(args.db, args.mysqlUrl);
  const web = await startService({ databaseUrl: webDb.url, apiBase: sim.baseUrl, instanceId: 'bench-ack-web', env: { ROLE: 'web' } });
  const ceilingPort = await freePort();
  const ceiling = spawn(process.execPath, [path.join(__dirname, 'ceiling-server.js')], { env: { ...process.env, PORT: String(ceilingPort) }, stdio: 'ignore' });
  const ceilingUrl = `http://127.0.0.1:${ceilingPort}`;
  const probe = await openProbe(db.url);
  const rows: Array<Array<string | number>> = [];
  try {
    await waitFor(() => fetch(`${ceilingUrl}/healthz`).then((r) => r.ok), 10_000, 50, 'ceiling server up');
    const channel = (await adminCall(service.url, 'POST', '/api/admin/channels', { name: '压测渠道', userIds: ['rep01', 'rep02', 'rep03'], tags: ['压测'], welcomeText: '欢迎！' })).body;
    const driver = driverFor(sim, service.url);
    const users = ['rep01', 'rep02', 'rep03'];
    // Warm-up: JIT, connection pools, token cache.
    const warm = Array.from({ length: 200 }, (_, i) => prepareAdd(sim, driver, { userId: users[i % 3], state: channel.state, index: i }));
    const agent = keepAliveAgent(512);
    await openLoop({ rate: 100, seconds: 2, send: (i) => postSealed(agent, warm[i].sealed) });
    await openLoop({ rate: 100, seconds: 2, send: (i) => postSealed(agent, { ...warm[i].sealed, url: warm[i].sealed.url.replace(service.url, ceilingUrl) }) });
    await openLoop({ rate: 100, seconds: 2, send: (i) => postSealed(agent, { ...warm[i].sealed, url: warm[i].sealed.url.replace(service.url, web.url) }) });
    const targets = { ceiling: ceilingUrl, 'service ROLE=web': web.url, 'service ROLE=all': service.url };
    // The floor under the service's ack: intake's transaction (two INSERTs and a COMMIT) sent
    // straight to the database at the same rate, with no HTTP, crypto or XML around it.
    const dbOnly = args.db === 'mysql' ? await intakeTransactionProbe(webDb.url) : null;

    for (const rate of rates) {
      for (const target of Object.keys(targets) as Array<keyof typeof targets>) {
        // Each level starts with the ROLE=all service idle, so earlier levels' work does not bleed in.
        await waitFor(
          async () => Number((await probe.query<{ n: number }>(`SELECT (SELECT COUNT(*) FROM inbox_event WHERE status = 'pending') + (SELECT COUNT(*) FROM job WHERE status = 'pending') AS n`))[0].n) === 0,
          180_000,
          200,
          'queues drained before the next level',
        );
        const adds: PreparedAdd[] = Array.from({ length: rate * seconds }, (_, i) => prepareAdd(sim, driver, { userId: users[i % 3], state: channel.state, index: i }));
        const base = targets[target];
        const proc = target === 'service ROLE=all' ? service : target === 'service ROLE=web' ? web : null;
        const cpu0 = proc ? proc.cpuSeconds() : 0;
        const run = await openLoop({
          rate,
          seconds,
          maxInFlight: 2000,
          drainMs: 15_000,
          send: (i) => postSealed(agent, { ...adds[i].sealed, url: adds[i].sealed.url.replace(service.url, base) }, 10_000),
        });
        const ok = run.results.filter((r) => r.status === 200);
        const lat = summarize(ok.map((r) => r.ms));
        const backlog = target === 'service ROLE=all' ? Number((await probe.query<{ n: number }>(`SELECT COUNT(*) AS n FROM inbox_event WHERE status = 'pending'`))[0].n) : null;
        const cpu = proc ? (proc.cpuSeconds() - cpu0) / (run.elapsedMs / 1000) : null;
        const row = {
          rate,
          target,
          sent: run.results.length + run.skipped,
          ok: ok.length,
          errors: run.results.length - ok.length + run.skipped,
          throughput: ok.length / (run.elapsedMs / 1000),
          ...lat,
          backlog,
          cpu,
        };
        console.log(JSON.stringify(row));
        rows.push([
          rate,
          target,
          row.sent,
          row.ok,
          row.errors,
          fmt(row.throughput, 0),
          fmt(lat.p50, 2),
          fmt(lat.p99, 2),
          fmt(lat.max, 1),
          backlog === null ? '' : backlog,
          cpu === null ? '' : `${Math.round(cpu * 100)}%`,
        ]);
      }
    }
    const dbRows: Array<Array<string | number>> = [];
    if (dbOnly) {
      for (const rate of rates) {
        const run = await openLoop({ rate, seconds, maxInFlight: 2000, drainMs: 15_000, send: (i) => dbOnly.run(`bench-db-${rate}-${i}`) });
        const ok = run.results.filter((r) => r.status === 200);
        const lat = summarize(ok.map((r) => r.ms));
        console.log(JSON.stringify({ rate, target: 'database only', ...lat }));
        dbRows.push([rate, ok.length, fmt(lat.p50, 2), fmt(lat.p95, 2), fmt(lat.p99, 2), fmt(lat.max, 1)]);
      }
      await dbOnly.close();
    }
    const ratio = rates.map((rate) => {
      const c = rows.find((r) => r[0] === rate && r[1] === 'ceiling')!;
      const parts = (['service ROLE=web', 'service ROLE=all'] as const).map((name) => {
        const s = rows.find((r) => r[0] === rate && r[1] === name)!;
        return `${name} ${fmt(Number(s[5]) / Number(c[5]), 2)}× ceiling throughput, p99 ${fmt(Number(s[7]) / Number(c[7]), 1)}×`;
      });
      return `${rate}/s: ${parts.join(', ')}`;
    });
    writeSection(
      `ack-${args.db}`,
      [
        `### Callback ack, ${args.db === 'mysql' ? 'MariaDB' : 'SQLite'}`,
        '',
        `Run ${today()} with \`npm run bench -- ack --db=${args.db}\`, ${seconds} s per level, open loop over keep-alive connections, pre-sealed callbacks; each level starts with the queues empty. \`ceiling\` = bare Koa verify+decrypt (scripts/bench/ceiling-server.ts); \`ROLE=web\` = the service storing callbacks with no workers; \`ROLE=all\` = the production single process, storing and working off the adds at the same time. Load generator and WeCom simulator share the same 2 cores. ${await machineLine(args.mysqlUrl)}.`,
        '',
        table(['rate/s', 'target', 'sent', '200', 'errors/skipped', 'acks/s', 'p50 ms', 'p99 ms', 'max ms', 'inbox backlog after', 'service CPU'], rows),
        '',
        `Service vs ceiling: ${ratio.join('; ')}.`,
        ...(dbRows.length
          ? [
              '',
              'The database alone, same run: intake\'s transaction (INSERT inbox_event, INSERT job, COMMIT) sent straight to MariaDB over a pool at the same rates; its tail is the floor under the service\'s.',
              '',
              table(['rate/s', 'transactions', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], dbRows),
            ]
          : []),
      ].join('\n'),
    );
  } finally {
    ceiling.kill('SIGTERM');
    await service.stop();
    await web.stop();
    await webDb.drop();
    await probe.close();
    await sim.close();
    await db.drop();
    await sleep(100);
  }
}

/** Runs intake's transaction shape against a database directly (MySQL), for the floor under acks. */
async function intakeTransactionProbe(databaseUrl: string) {
  const target = parseDatabaseUrl(databaseUrl);
  const pool = mysql.createPool({ host: target.host, port: target.port, user: target.username, password: target.password, database: target.database, connectionLimit: 50 });
  const payload = JSON.stringify({ kind: 'contact.added', note: 'x'.repeat(400) });
  const raw = '<xml>' + 'x'.repeat(1200) + '</xml>';
  const run = async (key: string): Promise<PostResult> => {
    const started = performance.now();
    const conn = await pool.getConnection();
    try {
      const now = Date.now();
      await conn.query('START TRANSACTION');
      await conn.query(
        `INSERT INTO inbox_event (dedup_key, partition_key, kind, payload, raw_xml, status, attempts, available_at, received_at) VALUES (?, ?, 'probe', ?, ?, 'done', 0, ?, ?)`,
        [key, key, payload, raw, now, now],
      );
      await conn.query(
        `INSERT IGNORE INTO job (kind, dedup_key, payload, priority, status, attempts, available_at, deadline_at, created_at) VALUES ('probe', ?, ?, 0, 'done', 0, ?, ?, ?)`,
        [key, payload, now, now + 20_000, now],
      );
      await conn.query('COMMIT');
      return { status: 200, ms: performance.now() - started };
    } catch (error) {
      await conn.query('ROLLBACK').catch(() => undefined);
      return { status: 0, ms: performance.now() - started, error: (error as Error).message };
    } finally {
      conn.release();
    }
  };
  // Warm the pool as the service's is warm.
  await Promise.all(Array.from({ length: 50 }, (_, i) => run(`bench-db-warm-${i}`)));
  return { run, close: () => pool.end() };
}
