import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { loadConfig } from '../../../server/src/config';
import { seedDemoMembers, startDemoWecom } from '../../../server/src/demo';
import { silentLogger } from '../../../server/src/logger';
import { seedDemoNurture } from '../../../server/src/nurture/demo/seed-demo-nurture';
import { seedDemoChats } from '../../../server/src/archive/demo/seed-demo-chats';
import { startRuntime, type Runtime } from '../../../server/src/runtime';
import type { WecomSimulator } from '../../../server/src/wecom/simulator';
import { createTestDatabase, type TestDatabase } from '../../../server/test/support/database';

/**
 * The demo server as `npm start` runs it without WeCom credentials — the simulator, the seeded
 * members (孙七 admin, 王五 manager, …), the expo channel and nurture example, the demo chats — in this process,
 * on a fresh database and a throwaway data folder.
 */
export interface DemoServer {
  url: string;
  runtime: Runtime;
  simulator: WecomSimulator;
  adminToken: string;
  /** The admin API, with the demo's admin token. */
  admin(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startDemoServer(): Promise<DemoServer> {
  const cwd = process.cwd();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-console-'));
  process.chdir(dir); // the demo keeps its generated secrets in ./data
  let db: TestDatabase | undefined;
  try {
    db = await createTestDatabase();
    const demo = await startDemoWecom(loadConfig({ DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'silent' }), silentLogger);
    const runtime = await startRuntime(demo.config, { logger: silentLogger, demoSimulator: demo.simulator });
    await seedDemoMembers(runtime.ctx);
    await seedDemoNurture(runtime.ctx);
    await seedDemoChats(runtime.ctx);
    const url = runtime.url!;
    const database = db;
    return {
      url,
      runtime,
      simulator: demo.simulator,
      adminToken: demo.config.adminToken,
      async admin(method, p, body) {
        const r = await fetch(`${url}${p}`, {
          method,
          headers: { authorization: `Bearer ${demo.config.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await r.text();
        return { status: r.status, body: text ? JSON.parse(text) : null };
      },
      async close() {
        await runtime.stop();
        await demo.simulator.close();
        await database.drop();
        process.chdir(cwd);
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await db?.drop();
    process.chdir(cwd);
    throw error;
  }
}

/** Signs in through the simulated WeCom web login: the console's button, then the member in the simulator's list. */
export async function signIn(page: Page, server: DemoServer, name: string): Promise<void> {
  await page.goto(`${server.url}/console/`);
  await page.getByTestId('wecom-login').click();
  await page.getByRole('link', { name: new RegExp(name) }).click();
  await page.getByTestId('signed-in-as').waitFor();
}
