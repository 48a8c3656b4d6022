import { spawn } from 'node:child_process';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { parseDatabaseUrl } from '../../server/src/db/url';
import { driverFor, fmt, keepAliveAgent, openLoop, postSealed, PostResult, PreparedAdd, prepareAdd, startSimulator, summarize } from './lib/load';
import { table, today, writeSection, machineLine } from './lib/report';
import { comparisonFlags, headLabel } from './lib/baseline';
import { adminCall, BenchDatabase, createDatabase, freePort, openProbe, queueCounter, ServiceProcess, sleep, startService, waitFor } from './lib/service';
import type { BenchArgs } from './run';

/**
 * Scenario 1, callback ack: pre-sealed add_external_contact callbacks, open loop at rising rates,
 * against the service (store-then-ack, workers running as in production) and, in the same run,
 * against a bare Koa endpoint that only verifies and decrypts — the ceiling.
 */
export async function benchAck(args: BenchArgs): Promise<void> {
  const rates = args.rates ?? [100, 250, 500, 1000];
  const seconds = args.seconds ?? 5;
  const sim = await startSimulator(['rep01', 'rep02', 'rep03']);
  // Each service on its own database: ROLE=all (storing and working off the adds) and the web tier
  // alone (no workers: what intake costs without processing beside it); with --baseline, the same
  // two of the baseline build too, measured level by level beside this build's.
  const builds = [{ name: 'service', mainJs: args.build?.mainJs }, ...(args.baseline ? [{ name: 'baseline', mainJs: args.baseline.mainJs }] : [])];
  const started: Array<{ name: string; role: 'web' | 'all'; service: ServiceProcess; db: BenchDatabase; state?: string }> = [];
  const stopAll = async () => {
    for (const s of started) {
      await s.service.stop();
      await s.db.drop();
    }
  };
  try {
    for (const build of builds) {
      for (const role of ['web', 'all'] as const) {
        const db = await createDatabase(args.db, args.mysqlUrl);
        const env: Record<string, string> = role === 'web' ? { ROLE: 'web' } : {};
        try {
          const service = await startService({ databaseUrl: db.url, apiBase: sim.baseUrl, instanceId: `bench-ack-${build.name}-${role}`, env, mainJs: build.mainJs });
          started.push({ name: build.name, role, service, db });
        } catch (error) {
          await db.drop();
          throw error;
        }
      }
    }
  } catch (error) {
    await stopAll();
    await sim.close();
    throw error;
  }
  const pick = (name: string, role: 'web' | 'all') => started.find((s) => s.name === name && s.role === role)!;
  const service = pick('service', 'all').service;
  const webDb = pick('service', 'web').db;
  const ceilingPort = await freePort();
  const ceiling = spawn(process.execPath, [path.join(__dirname, 'ceiling-server.js')], { env: { ...process.env, PORT: String(ceilingPort) }, stdio: 'ignore' });
  const ceilingUrl = `http://127.0.0.1:${ceilingPort}`;
  const probes = await Promise.all(started.filter((s) => s.role === 'all').map(async (s) => ({ name: s.name, probe: await openProbe(s.db.url) })));
  const counters = new Map(await Promise.all(probes.map(async (p) => [p.name, await queueCounter(p.probe)] as const)));
  const rows: Array<Array<string | number>> = [];
  try {
    await waitFor(() => fetch(`${ceilingUrl}/healthz`).then((r) => r.ok), 10_000, 50, 'ceiling server up');
    const channel = (await adminCall(service.url, 'POST', '/api/admin/channels', { name: '压测渠道', userIds: ['rep01', 'rep02', 'rep03'], tags: ['压测'], welcomeText: '欢迎！' })).body;
    const driver = driverFor(sim, service.url);
    const users = ['rep01', 'rep02', 'rep03'];
    // Warm-up: JIT, connection pools, token cache.
    const warm = Array.from({ length: 200 }, (_, i) => prepareAdd(sim, driver, { userId: users[i % 3], state: channel.state, index: i }));
    const agent = keepAliveAgent(512);
    await openLoop({ rate: 100, seconds: 2, send: (i) => postSealed(agent, { ...warm[i].sealed, url: warm[i].sealed.url.replace(service.url, ceilingUrl) }) });
    // Every service gets its own channel (the simulator gives each add_contact_way its own
    // state) and a warm-up.
    for (const s of started) {
      if (s.service !== service) {
        const r = await adminCall(s.service.url, 'POST', '/api/admin/channels', { name: '压测渠道', userIds: ['rep01', 'rep02', 'rep03'], tags: ['压测'], welcomeText: '欢迎！' });
        if (r.status !== 201) throw new Error(`channel on ${s.name} ROLE=${s.role}: ${r.status} ${JSON.stringify(r.body)}`);
        s.state = r.body.state;
      } else {
        s.state = channel.state;
      }
      const base = s.service.url;
      await openLoop({ rate: 100, seconds: 2, send: (i) => postSealed(agent, prepareAdd(sim, driverFor(sim, base), { userId: users[i % 3], state: s.state!, index: 100_000 + i }).sealed) });
    }
    // Interleaved per level: ceiling, then each build's web tier, then each build's ROLE=all.
    const targets: Array<{ label: string; url: string; proc: ServiceProcess | null; state: string }> = [
      { label: 'ceiling', url: ceilingUrl, proc: null, state: channel.state },
      ...(['web', 'all'] as const).flatMap((role) =>
        builds.map((b) => {
          const s = pick(b.name, role);
          return { label: `${b.name} ROLE=${role}`, url: s.service.url, proc: s.service, state: s.state! };
        }),
      ),
    ];

    for (const rate of rates) {
      for (const target of targets) {
        // Each level starts with every ROLE=all service idle, so earlier levels' work does not bleed in.
        for (const [name, counter] of counters) {
          await waitFor(async () => (await counter.open()) === 0, 180_000, 200, `queues of ${name} drained before the next level`);
        }
        const driverForTarget = driverFor(sim, target.url);
        const adds: PreparedAdd[] = Array.from({ length: rate * seconds }, (_, i) => prepareAdd(sim, driverForTarget, { userId: users[i % 3], state: target.state, index: i }));
        const proc = target.proc;
        const cpu0 = proc ? proc.cpuSeconds() : 0;
        const run = await openLoop({
          rate,
          seconds,
          maxInFlight: 2000,
          drainMs: 15_000,
          send: (i) => postSealed(agent, adds[i].sealed, 10_000),
        });
        const ok = run.results.filter((r) => r.status === 200);
        const lat = summarize(ok.map((r) => r.ms));
        const allOf = target.label.endsWith('ROLE=all') ? counters.get(target.label.split(' ')[0]) : undefined;
        const backlog = allOf ? await allOf.inbox() : null;
        const cpu = proc ? (proc.cpuSeconds() - cpu0) / (run.elapsedMs / 1000) : null;
        const row = {
          rate,
          target: target.label,
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
          target.label,
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
    // The floor under the service's ack: intake's statements sent straight to the database at the
    // same rate, with no HTTP, crypto or XML around them, in both shapes: the one INSERT of now and
    // the transaction of two INSERTs before it (migration 1732300007100). The services stop first:
    // their idle pools (up to 50 connections each) would leave too few under max_connections.
    for (const s of started) await s.service.stop();
    const dbOnly = args.db === 'mysql' ? await intakeProbe(webDb.url) : null;
    const dbRows: Array<Array<string | number>> = [];
    if (dbOnly) {
      for (const rate of rates) {
        for (const shape of ['one INSERT', 'transaction, two INSERTs'] as const) {
          const run = await openLoop({ rate, seconds, maxInFlight: 2000, drainMs: 15_000, send: (i) => dbOnly.run(shape, `bench-db-${shape.length}-${rate}-${i}`) });
          const ok = run.results.filter((r) => r.status === 200);
          const lat = summarize(ok.map((r) => r.ms));
          console.log(JSON.stringify({ rate, target: `database only, ${shape}`, ...lat }));
          dbRows.push([rate, shape, ok.length, fmt(lat.p50, 2), fmt(lat.p95, 2), fmt(lat.p99, 2), fmt(lat.max, 1)]);
        }
      }
      await dbOnly.close();
    }
    const ratioOf = (names: string[]) =>
      rates.map((rate) => {
        const c = rows.find((r) => r[0] === rate && r[1] === 'ceiling')!;
        const parts = names.map((name) => {
          const s = rows.find((r) => r[0] === rate && r[1] === name)!;
          return `${name} ${fmt(Number(s[5]) / Number(c[5]), 2)}× ceiling throughput, p99 ${fmt(Number(s[7]) / Number(c[7]), 1)}×`;
        });
        return `${rate}/s: ${parts.join(', ')}`;
      });
    const machine = await machineLine(args.mysqlUrl);
    const headers = ['rate/s', 'target', 'sent', '200', 'errors/skipped', 'acks/s', 'p50 ms', 'p99 ms', 'max ms', 'inbox backlog after', 'service CPU'];
    const how = `${seconds} s per level, open loop over keep-alive connections, pre-sealed callbacks; each level starts with the queues empty. \`ceiling\` = bare Koa verify+decrypt (scripts/bench/ceiling-server.ts); \`ROLE=web\` = the service storing callbacks with no workers; \`ROLE=all\` = the production single process, storing and working off the adds at the same time. Load generator and WeCom simulator share the same 2 cores.`;
    const dbAlone = dbRows.length
      ? [
          '',
          "The database alone, same run: intake's statements sent straight to MariaDB over a pool at the same rates, as intake sends them now (one INSERT of the inbox row with its welcome) and as it did before migration 1732300007100 (START TRANSACTION, INSERT inbox_event, INSERT job, COMMIT); the tail is the floor under the service's.",
          '',
          table(['rate/s', 'shape', 'sent', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], dbRows),
        ]
      : [];
    const serviceRows = rows.filter((r) => !String(r[1]).startsWith('baseline '));
    // With --build the service is some commit, not this checkout: only the comparison is written.
    if (!args.build) writeSection(
      `ack-${args.db}`,
      [
        `### Callback ack, ${args.db === 'mysql' ? 'MariaDB' : 'SQLite'}`,
        '',
        `Run ${today()} with \`npm run bench -- ack --db=${args.db}${comparisonFlags(args)}\` (build ${headLabel(args.build)}), ${how} ${machine}.`,
        '',
        table(headers, serviceRows),
        '',
        `Service vs ceiling: ${ratioOf(['service ROLE=web', 'service ROLE=all']).join('; ')}.`,
        ...dbAlone,
      ].join('\n'),
    );
    if (args.baseline) {
      writeSection(
        `ack-${args.db}-vs-baseline`,
        [
          `### Callback ack, ${args.db === 'mysql' ? 'MariaDB' : 'SQLite'}: this build and a baseline side by side`,
          '',
          `Run ${today()} with \`npm run bench -- ack --db=${args.db}${comparisonFlags(args)}\`: \`baseline\` = commit ${args.baseline.sha.slice(0, 12)}, \`service\` = ${headLabel(args.build)}, each service on its own database, measured in turn at each level (so both see the same machine load). ${how} ${machine}.`,
          '',
          table(headers, rows),
          '',
          `Vs ceiling: ${ratioOf(['baseline ROLE=web', 'service ROLE=web', 'baseline ROLE=all', 'service ROLE=all']).join('; ')}.`,
          ...dbAlone,
        ].join('\n'),
      );
    }
  } finally {
    ceiling.kill('SIGTERM');
    for (const p of probes) await p.probe.close();
    await stopAll();
    await sim.close();
    await sleep(100);
  }
}

/** Intake's statements against a database directly (MySQL), in both shapes, for the floor under acks. */
async function intakeProbe(databaseUrl: string) {
  const target = parseDatabaseUrl(databaseUrl);
  const pool = mysql.createPool({ host: target.host, port: target.port, user: target.username, password: target.password, database: target.database, connectionLimit: 50 });
  const payload = JSON.stringify({ kind: 'contact.added', note: 'x'.repeat(400) });
  const raw = '<xml>' + 'x'.repeat(1200) + '</xml>';
  const run = async (shape: 'one INSERT' | 'transaction, two INSERTs', key: string): Promise<PostResult> => {
    const started = performance.now();
    const conn = await pool.getConnection();
    try {
      const now = Date.now();
      if (shape === 'one INSERT') {
        await conn.query(
          `INSERT INTO inbox_event (dedup_key, partition_key, kind, payload, raw_xml, status, attempts, available_at, received_at,
             welcome_code, welcome_status, welcome_attempts, welcome_available_at, welcome_deadline_at)
           VALUES (?, ?, 'probe', ?, ?, 'done', 0, ?, ?, ?, 'done', 0, ?, ?)`,
          [key, key, payload, raw, now, now, key, now, now + 20_000],
        );
      } else {
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
      }
      return { status: 200, ms: performance.now() - started };
    } catch (error) {
      if (shape !== 'one INSERT') await conn.query('ROLLBACK').catch(() => undefined);
      return { status: 0, ms: performance.now() - started, error: (error as Error).message };
    } finally {
      conn.release();
    }
  };
  // Warm the pool as the service's is warm.
  await Promise.all(Array.from({ length: 50 }, (_, i) => run('one INSERT', `bench-db-warm-${i}`)));
  return { run, close: () => pool.end() };
}
