import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { startDemoWecom } from '../src/demo';
import { silentLogger } from '../src/logger';
import { startRuntime, Runtime } from '../src/runtime';
import { WecomSimulator } from '../src/wecom/simulator';
import { createTestDatabase, TestDatabase } from './support/database';
import { eventually } from './support/harness';

/** `npm start` without credentials: the simulator stands in for WeCom and the whole flow works. */
describe('demo mode', () => {
  let db: TestDatabase;
  let runtime: Runtime;
  let simulator: WecomSimulator;
  let token: string;
  const cwd = process.cwd();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-demo-'));

  beforeAll(async () => {
    process.chdir(dir); // the generated admin token goes to ./data
    db = await createTestDatabase();
    const config = loadConfig({ DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1' });
    expect(config.demoMode).toBe(true);
    const demo = await startDemoWecom(config, silentLogger);
    simulator = demo.simulator;
    token = demo.config.adminToken;
    runtime = await startRuntime(demo.config, { logger: silentLogger, demoSimulator: simulator });
  });
  afterAll(async () => {
    await runtime?.stop();
    await simulator?.close();
    await db.drop();
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const admin = async (method: string, p: string, body?: unknown) => {
    const r = await fetch(`${runtime.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, body: (await r.json()) as any };
  };

  it('generates an admin token once and keeps it private in ./data', () => {
    const file = path.join(dir, 'data', 'demo-admin-token');
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(token);
    expect(fs.statSync(file).mode & 0o077).toBe(0);
  });

  it('a channel and a simulated scan give a welcomed, tagged lead', async () => {
    const channel = await admin('POST', '/api/admin/channels', { name: '门店12号柜台', userIds: ['lisi'], tags: ['门店12'], welcomeText: '欢迎光临！' });
    expect(channel.status).toBe(201);
    const scan = await admin('POST', '/api/admin/demo/simulate-add', { channelId: channel.body.id, name: '演示客户' });
    expect(scan.status).toBe(202);
    expect(scan.body.callbackStatus).toBe(200);
    const lead = await eventually(async () => {
      const list = await admin('GET', `/api/admin/leads?channelId=${channel.body.id}`);
      const found = list.body.items[0];
      return found && found.tags.includes('门店12') ? found : null;
    });
    expect(lead).toMatchObject({ name: '演示客户', ownerUserId: 'lisi' });
    await eventually(() => simulator.state.welcomeMessages.some((w) => w.external_userid === lead.externalUserId));
  });
});
