import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { parseDatabaseUrl } from '../../../server/src/db/url';
import { pollUntil } from '../../../server/src/util/async';

/**
 * Runs the real service as a separate process (`node dist/server/src/main.js`) against a fresh
 * database, for benchmarks and fault tests: only a separate process can be SIGKILLed, and only
 * a separate process shows the service's own RSS and CPU. Everything stays on 127.0.0.1.
 */

export const CORP = {
  corpId: 'wwbenchcorp0000001',
  contactSecret: 'contact-secret-for-bench-0001',
  agentSecret: 'agent-secret-for-bench-0002',
  agentId: 1000002,
  callbackToken: 'XsBenchToken01',
  callbackAesKey: 'BenchAesKey0123456789abcdefghijklmnopqrstuv',
};
export const ADMIN_TOKEN = 'bench-admin-token-0123456789';

/** The checkout: found from the TS sources (jest) and from dist/scripts/bench/lib (compiled) alike. */
export const REPO_ROOT = (() => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();
export const MAIN_JS = path.join(REPO_ROOT, 'dist', 'server', 'src', 'main.js');

export const DEFAULT_MYSQL_URL = 'mysql://root@127.0.0.1:3306/test';

export interface BenchDatabase {
  kind: 'sqlite' | 'mysql';
  url: string;
  /** MySQL: the database name; SQLite: the file. */
  name: string;
  drop(): Promise<void>;
}

/** A fresh empty database: a temp SQLite file, or a new database on the MySQL server of `serverUrl`. */
export async function createDatabase(kind: 'sqlite' | 'mysql', serverUrl = DEFAULT_MYSQL_URL, prefix = 'xiansuo_b'): Promise<BenchDatabase> {
  const suffix = `${process.pid}_${randomBytes(4).toString('hex')}`;
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    const file = path.join(dir, 'xiansuo.sqlite');
    return { kind, url: `sqlite:${file}`, name: file, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `${prefix}_${suffix}`;
  const conn = await mysqlAdmin(serverUrl);
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await conn.end();
  return {
    kind,
    url: withDatabase(serverUrl, name),
    name,
    drop: async () => {
      const c = await mysqlAdmin(serverUrl);
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

export function withDatabase(serverUrl: string, database: string, user?: { username: string; password: string }): string {
  const t = parseDatabaseUrl(serverUrl.replace(/\/[^/]*$/, '/x'));
  const username = user?.username ?? t.username ?? '';
  const password = user?.password ?? t.password ?? '';
  const auth = username ? `${encodeURIComponent(username)}${password ? `:${encodeURIComponent(password)}` : ''}@` : '';
  return `mysql://${auth}${t.host}:${t.port}/${database}`;
}

export async function mysqlAdmin(serverUrl = DEFAULT_MYSQL_URL, database?: string): Promise<mysql.Connection> {
  const t = parseDatabaseUrl(serverUrl.replace(/\/[^/]*$/, '/x'));
  return mysql.createConnection({ host: t.host, port: t.port, user: t.username, password: t.password, database, multipleStatements: false });
}

/** Read-only look into the service's database from the bench/test process. */
export interface DbProbe {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

interface SqliteStatement {
  reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): unknown;
}
export interface SqliteHandle {
  prepare(sql: string): SqliteStatement;
  pragma(sql: string): unknown;
  exec(sql: string): unknown;
  close(): void;
}
/** better-sqlite3 ships no types and @types/better-sqlite3 is not installed: the little we use. */
export function openSqlite(file: string): SqliteHandle {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Database = require('better-sqlite3') as new (file: string) => SqliteHandle;
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  return db;
}

export async function openProbe(url: string): Promise<DbProbe> {
  const t = parseDatabaseUrl(url);
  if (t.kind === 'sqlite') {
    const db = openSqlite(t.file!);
    return {
      query: async <T>(sql: string, params: unknown[] = []) => {
        const stmt = db.prepare(sql);
        return (stmt.reader ? stmt.all(...params) : (stmt.run(...params), [])) as T[];
      },
      close: async () => db.close(),
    };
  }
  const pool = mysql.createPool({ host: t.host, port: t.port, user: t.username, password: t.password, database: t.database, connectionLimit: 4 });
  return {
    query: async <T>(sql: string, params: unknown[] = []) => {
      const [rows] = await pool.query(sql, params);
      return (Array.isArray(rows) ? rows : []) as T[];
    },
    close: () => pool.end(),
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface ServiceOptions {
  databaseUrl: string;
  apiBase: string;
  instanceId: string;
  port?: number;
  /** Extra environment (WORKER_CONCURRENCY, ROLE, …). */
  env?: Record<string, string>;
  startTimeoutMs?: number;
  /** Another build's entry point (a baseline commit, lib/baseline.ts); default this checkout's. */
  mainJs?: string;
  /** Count the SQL statements the process sends (lib/statement-tally.ts); read with statementTally(). */
  tallyStatements?: boolean;
}

export interface ServiceProcess {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Last ~64 KB of the process's stdout+stderr (warn and above), for diagnosis. */
  output(): string;
  alive(): boolean;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<void>;
  /** SIGTERM and wait (graceful shutdown); SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
  /** Resident set and its peak, in kB, from /proc. */
  memory(): { rssKb: number; hwmKb: number };
  /** User+system CPU seconds so far, from /proc. */
  cpuSeconds(): number;
  /** SQL statements sent so far, by first keyword (only with tallyStatements; `_shapes` with BENCH_TALLY_SHAPES=1). */
  statementTally(): Promise<Record<string, number>>;
}

export function serviceEnv(options: ServiceOptions, port: number): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: options.databaseUrl,
    WECOM_CORP_ID: CORP.corpId,
    WECOM_CONTACT_SECRET: CORP.contactSecret,
    WECOM_AGENT_ID: String(CORP.agentId),
    WECOM_AGENT_SECRET: CORP.agentSecret,
    WECOM_CALLBACK_TOKEN: CORP.callbackToken,
    WECOM_CALLBACK_AES_KEY: CORP.callbackAesKey,
    WECOM_API_BASE: options.apiBase,
    ADMIN_TOKEN,
    INSTANCE_ID: options.instanceId,
    LOG_LEVEL: 'warn',
    ...options.env,
    // BENCH_SERVICE_ENV="WORKER_CONCURRENCY=16 OTHER=x": settings to try without editing the bench.
    ...Object.fromEntries((process.env.BENCH_SERVICE_ENV ?? '').split(/\s+/).filter((pair) => pair.includes('=')).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])),
  };
}

/** Spawns the built service and waits until /healthz answers. */
export async function startService(options: ServiceOptions): Promise<ServiceProcess> {
  const mainJs = options.mainJs ?? MAIN_JS;
  if (!fs.existsSync(mainJs)) throw new Error(`${mainJs} is missing: run \`npm run build\` first`);
  const port = options.port ?? (await freePort());
  // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the service process.
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const tallyJs = path.join(__dirname, 'statement-tally.js');
  const tallyFile = path.join(os.tmpdir(), `xiansuo-tally-${process.pid}-${randomBytes(4).toString('hex')}.json`);
  const tally = options.tallyStatements && fs.existsSync(tallyJs);
  const env = {
    ...serviceEnv(options, port),
    ...(tally ? { BENCH_TALLY_FILE: tallyFile, BENCH_TALLY_SHAPES: process.env.BENCH_TALLY_SHAPES ?? '' } : {}),
  };
  const child = spawn(process.execPath, [...nodeArgs, ...(tally ? ['-r', tallyJs] : []), mainJs], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString('utf8')).slice(-65536);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exitCode !== undefined) throw new Error(`service exited with ${exitCode} during start-up:\n${out}`);
    const status = await httpGetStatus(`${url}/healthz`).catch(() => 0);
    if (status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`service did not answer /healthz within the start timeout:\n${out}`);
    }
    await sleep(50);
  }
  const pid = child.pid!;
  const proc = (file: string) => fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  return {
    url,
    port,
    pid,
    child,
    output: () => out,
    alive: () => exitCode === undefined,
    exited,
    async kill(signal) {
      if (exitCode !== undefined) return;
      child.kill(signal);
      await exited;
    },
    async stop(timeoutMs = 30_000) {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
    memory() {
      const status = proc('status');
      const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
      return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
    },
    async statementTally() {
      if (!tally || exitCode !== undefined) return {};
      fs.rmSync(tallyFile, { force: true });
      child.kill('SIGUSR2');
      await pollUntil(() => fs.existsSync(tallyFile), 5000, 20, 'statement tally written');
      await sleep(50);
      const counts = JSON.parse(fs.readFileSync(tallyFile, 'utf8')) as Record<string, number>;
      fs.rmSync(tallyFile, { force: true });
      return counts;
    },
    cpuSeconds() {
      // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised command) are utime and stime in ticks.
      const stat = proc('stat');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
  };
}

export { sleep } from '../../../server/src/util/async';
import { sleep } from '../../../server/src/util/async';

function httpGetStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** JSON request with the admin token. */
export async function adminCall(baseUrl: string, method: string, pathname: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // keep the text
  }
  return { status: response.status, body: parsed };
}

/** Polls until `check` is truthy; throws after `timeoutMs`. */
export function waitFor<T>(check: () => Promise<T> | T, timeoutMs: number, intervalMs = 100, what = 'condition'): Promise<NonNullable<T>> {
  return pollUntil(check, timeoutMs, intervalMs, what);
}

/**
 * Queue counts that work on this build's schema and on a baseline's: welcomes live on inbox rows
 * (welcome_status) since migration 1732300007100, in the job table (kind 'welcome') before.
 */
export async function queueCounter(probe: DbProbe) {
  const onInbox = await probe.query(`SELECT welcome_status FROM inbox_event LIMIT 1`).then(
    () => true,
    () => false,
  );
  const count = async (sql: string, params: unknown[] = []) => Number((await probe.query<{ n: number }>(sql, params))[0].n);
  return {
    welcomesOnInbox: onInbox,
    /** Everything still to do: inbox events, welcomes, jobs. */
    open: () =>
      count(
        `SELECT (SELECT COUNT(*) FROM inbox_event WHERE status = 'pending') + (SELECT COUNT(*) FROM job WHERE status = 'pending')${
          onInbox ? ` + (SELECT COUNT(*) FROM inbox_event WHERE welcome_status = 'pending')` : ''
        } AS n`,
      ),
    inbox: () => count(`SELECT COUNT(*) AS n FROM inbox_event WHERE status = 'pending'`),
    welcomes: () =>
      onInbox ? count(`SELECT COUNT(*) AS n FROM inbox_event WHERE welcome_status = 'pending'`) : count(`SELECT COUNT(*) AS n FROM job WHERE status = 'pending' AND kind = 'welcome'`),
    otherJobs: () => count(`SELECT COUNT(*) AS n FROM job WHERE status = 'pending' AND kind <> 'welcome'`),
    /** Dead rows by kind, welcomes included wherever they live. */
    dead: async () => {
      const rows = await probe.query<{ kind: string; n: number }>(`SELECT kind, COUNT(*) AS n FROM job WHERE status = 'dead' GROUP BY kind`);
      if (onInbox) {
        const w = await count(`SELECT COUNT(*) AS n FROM inbox_event WHERE welcome_status = 'dead'`);
        if (w) rows.push({ kind: 'welcome', n: w });
      }
      return rows;
    },
  };
}
