import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../src/config';
import { seedDemoMembers, startDemoWecom } from '../src/demo';
import { silentLogger } from '../src/logger';
import { startRuntime, Runtime } from '../src/runtime';
import type { WecomSimulator } from '../src/wecom/simulator';
import { createTestDatabase, TestDatabase } from './support/database';
import { Harness, startHarness } from './support/harness';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '../..');

/** Demo mode: sign in to the mini-program as any simulated member, with the roles the demo seeds. */
describe('demo sign-in', () => {
  let db: TestDatabase;
  let runtime: Runtime;
  let simulator: WecomSimulator;
  let token: string;
  const cwd = process.cwd();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-demo-login-'));

  beforeAll(async () => {
    process.chdir(dir);
    db = await createTestDatabase();
    const demo = await startDemoWecom(loadConfig({ DATABASE_URL: db.url, PORT: '0' }), silentLogger);
    simulator = demo.simulator;
    token = demo.config.adminToken;
    runtime = await startRuntime(demo.config, { logger: silentLogger, demoSimulator: simulator, runWorkers: false });
    await seedDemoMembers(runtime.ctx);
  });
  afterAll(async () => {
    await runtime?.stop();
    await simulator?.close();
    await db.drop();
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const post = async (p: string, body: unknown, auth?: string) => {
    const r = await fetch(`${runtime.url}${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as any };
  };
  const signInAs = async (userId: string) => {
    const code = await post('/api/admin/demo/login-code', { userId }, token);
    expect(code.status).toBe(200);
    expect(code.body).toEqual({ userId, code: expect.any(String), expiresInSeconds: 300 });
    return post('/api/mp/login', { code: code.body.code });
  };

  it('seeds a rep, a manager of their team and a store clerk, each able to sign in with a code from the endpoint', async () => {
    const rep = await signInAs('zhangsan');
    expect(rep.status).toBe(200);
    expect(rep.body.member).toMatchObject({ userId: 'zhangsan', name: '张三', roles: ['rep'], teams: [{ name: '演示销售组' }], managedTeams: [], store: null });

    const manager = await signInAs('wangwu');
    expect(manager.body.member).toMatchObject({ userId: 'wangwu', roles: ['manager'], managedTeams: [{ name: '演示销售组' }] });

    const clerk = await signInAs('zhaoliu');
    expect(clerk.body.member).toMatchObject({ userId: 'zhaoliu', name: '赵六', roles: ['store_staff'], store: { name: '静安店' } });
    const stores = await fetch(`${runtime.url}/api/admin/stores`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<any>);
    expect(stores.items).toEqual([expect.objectContaining({ name: '静安店', tagName: '门店：静安店' })]);

    // The code is the simulator's own: one use.
    const code = (await post('/api/admin/demo/login-code', { userId: 'lisi' }, token)).body.code;
    expect((await post('/api/mp/login', { code })).status).toBe(200);
    expect((await post('/api/mp/login', { code })).status).toBe(401);
  });

  it('refuses unknown members (404), bad userids (400), and callers without the admin token (401)', async () => {
    expect((await post('/api/admin/demo/login-code', { userId: 'nobody' }, token)).status).toBe(404);
    expect((await post('/api/admin/demo/login-code', { userId: 'bad id' }, token)).status).toBe(400);
    expect((await post('/api/admin/demo/login-code', {}, token)).status).toBe(400);
    expect((await post('/api/admin/demo/login-code', { userId: 'zhangsan' })).status).toBe(401);
  });

  it('seeding again changes nothing and keeps roles an admin changed', async () => {
    const patch = await fetch(`${runtime.url}/api/admin/members/lisi`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ roles: ['rep', 'admin'] }),
    });
    expect(patch.status).toBe(200);
    await seedDemoMembers(runtime.ctx);
    const lisi = await signInAs('lisi');
    expect(lisi.body.member.roles).toEqual(['rep', 'admin']);
    const teams = await fetch(`${runtime.url}/api/admin/teams`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<any>);
    expect(teams.items.filter((t: { name: string }) => t.name === '演示销售组')).toHaveLength(1);
  });

  it('`npm run demo:login-code -- <userid>` prints a code that signs in', async () => {
    const env = { ...process.env, XIANSUO_URL: runtime.url!, ADMIN_TOKEN: '' };
    // The token comes from ./data/demo-admin-token, as after `npm start` in this folder.
    const { stdout } = await run(process.execPath, [path.join(repoRoot, 'scripts/demo-login-code.js'), 'zhaoliu'], { cwd: dir, env });
    const login = await post('/api/mp/login', { code: stdout.trim() });
    expect({ status: login.status, body: login.body, stdout }).toMatchObject({ status: 200 });
    expect(login.body.member.userId).toBe('zhaoliu');
    const unknown = await run(process.execPath, [path.join(repoRoot, 'scripts/demo-login-code.js'), 'nobody'], { cwd: dir, env }).catch((e) => e);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('nobody');
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    expect(pkg.scripts['demo:login-code']).toBe('node scripts/demo-login-code.js');
  });

  describe('outside demo mode', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ runtime: { runWorkers: false } });
      h.sim.state.addMember('zhangsan');
    });
    afterAll(async () => h.close());

    it('the login-code endpoint does not exist: 404', async () => {
      const r = await h.admin('POST', '/api/admin/demo/login-code', { userId: 'zhangsan' });
      expect(r.status).toBe(404);
    });
  });
});
