import type { AppConfig } from '../../src/config';
import { silentLogger } from '../../src/logger';
import { pollUntil } from '../../src/util/async';
import { startRuntime, Runtime, RuntimeOptions } from '../../src/runtime';
import { WecomDriver, WecomSimulator, WecomSimulatorOptions } from '../../src/wecom/simulator';
import { createTestDatabase, TestDatabase } from './database';
import { ARCHIVE_SECRET, archiveTestConfig } from './archive';

export const CORP = {
  corpId: 'wwtestcorp00000001',
  contactSecret: 'contact-secret-for-tests-0001',
  agentSecret: 'agent-secret-for-tests-0002',
  agentId: 1000002,
  callbackToken: 'Xs7kTestToken',
  callbackAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export function testConfig(databaseUrl: string, apiBase: string, overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    databaseUrl,
    role: 'all',
    logLevel: 'silent',
    demoMode: false,
    wecom: { ...CORP, apiBase, loginBase: apiBase },
    adminToken: ADMIN_TOKEN,
    callbackMaxAgeSeconds: 600,
    callbackMaxBodyBytes: 64 * 1024,
    workerConcurrency: 8,
    wecomMaxConcurrency: 16,
    wecomTimeoutMs: 3000,
    demoSimulatorPort: 0,
    instanceId: `test-${process.pid}`,
    // Tests give each simulated visitor its own address through X-Forwarded-For.
    trustProxy: true,
    ...overrides,
  };
}

export interface Harness {
  sim: WecomSimulator;
  driver: WecomDriver;
  runtime: Runtime;
  db: TestDatabase;
  url: string;
  config: AppConfig;
  /** Calls the admin API with the admin token. */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Restarts the service process (same database and simulator), as after a crash or deploy. */
  restart(options?: RuntimeOptions): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  runtime?: RuntimeOptions;
  config?: Partial<AppConfig>;
  simulator?: Partial<WecomSimulatorOptions>;
  /**
   * The chat archive on, reading this harness's simulator (support/archive.ts): the simulator
   * also accepts the archive secret, and the config turns the archive on (settings merged over
   * archiveTestConfig's).
   */
  archive?: boolean | Partial<NonNullable<AppConfig['archive']>>;
}

/** A real service on a real port, a real database, and the WeCom simulator over HTTP. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const db = await createTestDatabase();
  const sim = await WecomSimulator.start({
    corpId: CORP.corpId,
    secrets: [CORP.contactSecret, CORP.agentSecret, ...(options.archive ? [ARCHIVE_SECRET] : [])],
    agentId: CORP.agentId,
    ...options.simulator,
  });
  const archive = options.archive ? archiveTestConfig(options.archive === true ? {} : options.archive) : {};
  const config = testConfig(db.url, sim.baseUrl, { ...archive, ...options.config });
  const runtimeOptions: RuntimeOptions = { ...(options.archive ? { archiveSimulator: sim } : {}), ...options.runtime };
  let runtime: Runtime;
  try {
    runtime = await startRuntime(config, { logger: silentLogger, ...runtimeOptions });
  } catch (error) {
    await sim.close();
    await db.drop();
    throw error;
  }
  const driver = new WecomDriver({
    callbackUrl: `${runtime.url}/wecom/callback`,
    token: CORP.callbackToken,
    encodingAesKey: CORP.callbackAesKey,
    corpId: CORP.corpId,
    simulator: sim,
    // Tests check outcomes, not latency (benchmarks do): a loaded CI box must not turn a slow
    // ack into a failure. WeCom itself gives up after 5 s and retries.
    timeoutMs: 20_000,
  });
  const harness: Harness = {
    sim,
    driver,
    db,
    config,
    get runtime() {
      return runtime;
    },
    get url() {
      return runtime.url!;
    },
    async admin(method, path, body) {
      const response = await fetch(`${runtime.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    async restart(restartOptions) {
      const port = Number(new URL(runtime.url!).port);
      await runtime.stop();
      runtime = await startRuntime({ ...config, port }, { logger: silentLogger, ...runtimeOptions, ...restartOptions });
    },
    async close() {
      await runtime.stop();
      await sim.close();
      await db.drop();
    },
  };
  return harness;
}

/** Polls until `check` returns a truthy value (or throws on timeout with the last value). */
export function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000, intervalMs = 25): Promise<NonNullable<T>> {
  return pollUntil(check, timeoutMs, intervalMs);
}

/** Until the inbox, the welcomes (on inbox rows) and the job queue hold nothing pending. */
export async function queuesSettled(h: Harness, timeoutMs = 15_000): Promise<void> {
  await eventually(async () => {
    const [row] = await h.runtime.ctx.dataSource.query(
      `SELECT (SELECT COUNT(*) FROM inbox_event WHERE status = 'pending') + (SELECT COUNT(*) FROM inbox_event WHERE welcome_status = 'pending')
         + (SELECT COUNT(*) FROM job WHERE status = 'pending') AS n`,
    );
    return Number(row.n) === 0;
  }, timeoutMs);
}
