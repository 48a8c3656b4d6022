import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AppConfig, loadConfig } from '../src/config';
import { demoCallbackSecrets, startDemoWecom } from '../src/demo';
import { silentLogger } from '../src/logger';
import { startRuntime, Runtime } from '../src/runtime';
import { WecomDriver, WecomSimulator } from '../src/wecom/simulator';
import { createTestDatabase, TestDatabase } from './support/database';
import { eventually } from './support/harness';
import { DEMO_EXPO_CHANNEL_STATE, DEMO_EXPO_SEQUENCE_KEY } from '../src/nurture/demo/demo-sequence';
import { confirmDueDemoGroupMessages, DEMO_CONFIRM_AFTER_MS, DEMO_NURTURE_TICK_CRON, seedDemoNurture } from '../src/nurture/demo/seed-demo-nurture';
import { nurtureTick } from '../src/nurture/nurture-task';

/** A complete set of real WeCom credentials (values are placeholders). */
const REAL_CORP = {
  WECOM_CORP_ID: 'ww0123456789abcdef',
  WECOM_CONTACT_SECRET: 'contact-secret',
  WECOM_AGENT_ID: '1000002',
  WECOM_AGENT_SECRET: 'agent-secret',
  WECOM_CALLBACK_TOKEN: 'CbToken42',
  WECOM_CALLBACK_AES_KEY: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR',
  ADMIN_TOKEN: 'admin-token-0123456789abcdef',
};

/** `npm start` without credentials: the simulator stands in for WeCom and the whole flow works. */
describe('demo mode', () => {
  let db: TestDatabase;
  let runtime: Runtime;
  let simulator: WecomSimulator;
  let token: string;
  let demoConfig: AppConfig;
  const cwd = process.cwd();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-demo-'));

  beforeAll(async () => {
    process.chdir(dir); // the generated admin token goes to ./data
    db = await createTestDatabase();
    // No HOST: demo mode must pick loopback by itself.
    const config = loadConfig({ DATABASE_URL: db.url, PORT: '0' });
    expect(config.demoMode).toBe(true);
    const demo = await startDemoWecom(config, silentLogger);
    simulator = demo.simulator;
    token = demo.config.adminToken;
    demoConfig = demo.config;
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

  it('listens on 127.0.0.1 only when HOST is not set', () => {
    expect(demoConfig.host).toBe('127.0.0.1');
    expect((runtime.server!.address() as AddressInfo).address).toBe('127.0.0.1');
    // HOST set explicitly wins; a real corp keeps listening on every interface by default.
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ ...REAL_CORP }).host).toBe('0.0.0.0');
  });

  it('generates its callback token and AES key once per data folder, keeps them private, and refuses the old public pair', async () => {
    const file = path.join(dir, 'data', 'demo-callback-secrets');
    expect(fs.statSync(file).mode & 0o077).toBe(0);
    const { token: callbackToken, aesKey } = demoCallbackSecrets(path.join(dir, 'data'));
    expect(demoConfig.wecom).toMatchObject({ callbackToken, callbackAesKey: aesKey });
    expect(callbackToken).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(aesKey).toMatch(/^[A-Za-z0-9]{43}$/);
    expect([callbackToken, aesKey]).not.toContain('XiansuoDemoToken');
    expect(aesKey).not.toBe('XiansuoDemoEncodingAesKey0123456789abcdefgh');

    // A restart in the same folder keeps them (the demo's callbacks keep verifying).
    const again = await startDemoWecom(loadConfig({ DATABASE_URL: db.url, PORT: '0' }), silentLogger);
    await again.simulator.close();
    expect(again.config.wecom).toMatchObject({ callbackToken, callbackAesKey: aesKey });
    expect(again.config.adminToken).toBe(token);
    // Another data folder gets its own pair.
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-demo-other-'));
    try {
      const other = demoCallbackSecrets(path.join(elsewhere, 'data'));
      expect(other.token).not.toBe(callbackToken);
      expect(other.aesKey).not.toBe(aesKey);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }

    // A callback signed with the token and key that used to be fixed (and public) is refused.
    const forged = new WecomDriver({
      callbackUrl: `${runtime.url}/wecom/callback`,
      token: 'XiansuoDemoToken',
      encodingAesKey: 'XiansuoDemoEncodingAesKey0123456789abcdefgh',
      corpId: demoConfig.wecom.corpId,
    });
    const r = await forged.postCallback({ Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: 'lisi', ExternalUserID: 'wmForged0001' });
    expect(r.status).toBe(401);
  });

  it('a damaged secrets file stops start-up with a message naming it', () => {
    const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-demo-broken-'));
    try {
      fs.writeFileSync(path.join(broken, 'demo-callback-secrets'), '{"token":"short"}', { mode: 0o600 });
      expect(() => demoCallbackSecrets(broken)).toThrow(/demo-callback-secrets is damaged/);
    } finally {
      fs.rmSync(broken, { recursive: true, force: true });
    }
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

  it('ships the expo nurture example: a scan of the expo code enrolls the lead, and the series goes out within minutes', async () => {
    expect(demoConfig.nurtureTickCron).toBe(DEMO_NURTURE_TICK_CRON);
    // main.ts seeds it at start-up; twice changes nothing.
    await seedDemoNurture(runtime.ctx);
    await seedDemoNurture(runtime.ctx);
    const channels = (await admin('GET', '/api/admin/channels')).body.items.filter((c: { state: string }) => c.state === DEMO_EXPO_CHANNEL_STATE);
    expect(channels).toHaveLength(1);
    const sequence = await admin('GET', `/api/admin/nurture/sequences/${DEMO_EXPO_SEQUENCE_KEY}`);
    expect(sequence.status).toBe(200);
    expect(sequence.body.sequence.name).toBe('展会线索培育：认知 → 考虑 → 决策');

    const scan = await admin('POST', '/api/admin/demo/simulate-add', { channelId: channels[0].id, name: '展会访客' });
    expect(scan.status).toBe(202);
    const externalUserId = scan.body.externalUserId as string;
    const enrollment = await eventually(async () => (await admin('GET', '/api/admin/nurture/enrollments')).body.items.find((e: { sequenceKey: string; leadId: number }) => e.sequenceKey === DEMO_EXPO_SEQUENCE_KEY));
    const sentTo = () => [...simulator.state.templates.values()].filter((t) => t.recipients.some((r) => r.external_userid === externalUserId));

    // A minute later the first push goes out; the simulated rep confirms it; it is delivered.
    let now = Date.parse(enrollment.enrolledAt) + 61_000;
    await nurtureTick(runtime.ctx, now);
    expect(sentTo().map((t) => t.text?.content.slice(0, 12))).toEqual(['您好，感谢您在展会上到访']);
    expect(confirmDueDemoGroupMessages(simulator, now + DEMO_CONFIRM_AFTER_MS)).toBe(1);
    now += 2 * 60_000;
    await nurtureTick(runtime.ctx, now);
    const funnel = (await admin('GET', `/api/admin/nurture/sequences/${DEMO_EXPO_SEQUENCE_KEY}/funnel`)).body;
    expect(funnel.steps[0].push).toMatchObject({ sent: 1, confirmed: 1, delivered: 1 });
    // …and the consideration step, two minutes after the first, is on its way.
    expect(sentTo()).toHaveLength(2);
  });
});
