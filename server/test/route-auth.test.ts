import { createHash } from 'node:crypto';
import { Harness, startHarness } from './support/harness';
import { rawRequest, routeTable, spellingsOf } from './support/route-table';
import { makeMember, signIn, signInRep } from './support/factories';

/** The only routes anyone may call without credentials. Every other route must answer 401. */
const PUBLIC_ROUTES = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /wecom/callback',
  'POST /wecom/callback',
  'POST /api/mp/login',
  'POST /api/mp/refresh',
  // The console's sign-in: a redirect to WeCom's login page, and WeCom's redirect back.
  'GET /api/console/auth/login',
  'GET /api/console/auth/callback',
  'OPTIONS /api/public/forms/:formKey/submissions',
  'POST /api/public/forms/:formKey/submissions',
]);

/** Every admin and mini-program route refuses a caller without the right bearer token. */
describe('authentication on every non-public route', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ runtime: { runWorkers: false } });
  });
  afterAll(async () => h.close());

  const protectedRoutes = () => routeTable(h.runtime.ctx).filter((r) => !PUBLIC_ROUTES.has(`${r.method} ${r.pattern}`));

  it('no spelling of any route answers 2xx, 3xx or 5xx without credentials; protected ones answer 401', async () => {
    const routes = routeTable(h.runtime.ctx);
    expect(routes.length).toBeGreaterThan(40);
    const failures: string[] = [];
    for (const route of routes) {
      const isPublic = PUBLIC_ROUTES.has(`${route.method} ${route.pattern}`);
      const body = ['GET', 'DELETE', 'OPTIONS'].includes(route.method) ? undefined : '{}';
      if (!isPublic) {
        const canonical = await rawRequest(h.url, route.method, route.path, {}, body);
        if (canonical.status !== 401) failures.push(`${route.method} ${route.path} -> ${canonical.status} (want 401)`);
      }
      for (const spelling of spellingsOf(route.path)) {
        const { status } = await rawRequest(h.url, route.method, spelling, {}, body);
        if (status < 400 || status >= 500) failures.push(`${route.method} ${spelling} -> ${status}`);
        // A spelling of a protected route is refused outright or not served at all.
        else if (!isPublic && status !== 401 && status !== 404 && status !== 400) failures.push(`${route.method} ${spelling} -> ${status}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('with the right credentials, every GET route without parameters is served at its one spelling', async () => {
    const lists = routeTable(h.runtime.ctx).filter((r) => r.method === 'GET' && !r.pattern.includes(':') && r.pattern.startsWith('/api/admin/'));
    expect(lists.map((r) => r.path)).toContain('/api/admin/leads');
    for (const route of lists) {
      const { status } = await rawRequest(h.url, 'GET', route.path, { authorization: `Bearer ${h.config.adminToken}` });
      // 200, or 400 where a query parameter (a stats range) is required: never 404.
      expect({ path: route.path, served: [200, 400].includes(status) }).toEqual({ path: route.path, served: true });
    }
  });

  it('the spellings the attack used are refused (not a hand-kept list: a regression guard)', async () => {
    for (const [method, path] of [
      ['GET', '/API/ADMIN/leads'],
      ['GET', '/Api/admin/queues'],
      ['DELETE', '/API/ADMIN/channels/2'],
      ['DELETE', '/API/ADMIN/teams/1'],
      ['POST', '/API/ADMIN/jobs/18/replay'],
      ['PATCH', '/API/ADMIN/channels/6'],
      ['GET', '/Api/Mp/leads'],
      ['GET', '/API/MP/leads'],
    ]) {
      const { status } = await rawRequest(h.url, method, path, {}, method === 'GET' || method === 'DELETE' ? undefined : '{}');
      expect({ method, path, status }).toEqual({ method, path, status: 401 });
    }
  });

  it('admin routes: 401 without a token, with a wrong token, and with a member token', async () => {
    const routes = protectedRoutes().filter((r) => r.path.startsWith('/api/admin/'));
    expect(routes.length).toBeGreaterThan(25);
    const memberToken = await signInRep(h, 'zhangsan');
    for (const { method, path } of routes) {
      for (const authorization of [undefined, 'Bearer wrong-token-0123456789', `Bearer ${memberToken}`]) {
        const r = await fetch(`${h.url}${path}`, {
          method,
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          body: ['GET', 'DELETE'].includes(method) ? undefined : '{}',
        });
        expect({ method, path, status: r.status }).toEqual({ method, path, status: 401 });
      }
    }
  });

  it('mini-program routes: 401 without a session (login excepted) and with the admin token', async () => {
    const routes = protectedRoutes().filter((r) => r.path.startsWith('/api/mp/'));
    expect(routes.length).toBeGreaterThan(8);
    for (const { method, path } of routes) {
      for (const authorization of [undefined, 'Bearer not-a-session-token-000000', `Bearer ${h.config.adminToken}`]) {
        const r = await fetch(`${h.url}${path}`, {
          method,
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          body: ['GET', 'DELETE'].includes(method) ? undefined : '{}',
        });
        expect({ method, path, status: r.status }).toEqual({ method, path, status: 401 });
      }
    }
  });

  it('every /api/mp route, under every other spelling, answers 401 without credentials (sign-in included)', async () => {
    const routes = routeTable(h.runtime.ctx).filter((r) => r.pattern.startsWith('/api/mp/'));
    expect(routes.map((r) => `${r.method} ${r.pattern}`)).toEqual(
      expect.arrayContaining(['POST /api/mp/login', 'POST /api/mp/refresh', 'POST /api/mp/logout', 'GET /api/mp/me', 'GET /api/mp/leads']),
    );
    const failures: string[] = [];
    for (const route of routes) {
      const body = ['GET', 'DELETE', 'OPTIONS'].includes(route.method) ? undefined : '{}';
      for (const spelling of spellingsOf(route.path)) {
        const { status } = await rawRequest(h.url, route.method, spelling, {}, body);
        if (status !== 401) failures.push(`${route.method} ${spelling} -> ${status}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('/api/rep is gone: its old paths are served by nothing', async () => {
    for (const [method, path] of [['POST', '/api/rep/login'], ['GET', '/api/rep/leads'], ['GET', '/api/rep/pool'], ['GET', '/api/rep/me']]) {
      const { status } = await rawRequest(h.url, method, path, {}, method === 'GET' ? undefined : '{}');
      expect({ method, path, status }).toEqual({ method, path, status: 404 });
    }
  });

  it('the sign-in path is public only as spelled: its lenient readings are the mini-program surface', async () => {
    for (const path of ['/api/mp/leads/..%2Flogin', '/api/admin/leads/..%2F..%2Fmp%2Flogin', '/API/MP/LOGIN', '/api/mp/./login']) {
      const { status } = await rawRequest(h.url, 'POST', path, {}, '{}');
      expect({ path, status }).toEqual({ path, status: 401 });
    }
  });

  it('ids in paths have one spelling: "1e0", "0x1", "1." and "01" are 400', async () => {
    for (const id of ['1e0', '0x1', '1.', '01', '%31%2E']) {
      const { status } = await rawRequest(h.url, 'GET', `/api/admin/leads/${id}`, { authorization: `Bearer ${h.config.adminToken}` });
      expect({ id, status }).toEqual({ id, status: 400 });
    }
  });

  it('member sign-in is throttled per client address (each attempt costs a WeCom call)', async () => {
    const attempt = () =>
      fetch(`${h.url}/api/mp/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.200' },
        body: JSON.stringify({ code: 'not-a-real-code' }),
      });
    const { LOGIN_LIMITS } = await import('../src/routes/mp');
    const perMinute = LOGIN_LIMITS.perIpAndForm.points;
    const statuses: number[] = [];
    for (let i = 0; i < perMinute; i++) statuses.push((await attempt()).status);
    expect(statuses.every((s) => s === 401)).toBe(true);
    const refused = await attempt();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another address is not affected.
    const other = await fetch(`${h.url}/api/mp/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.201' },
      body: JSON.stringify({ code: 'not-a-real-code' }),
    });
    expect(other.status).toBe(401);
  });

  it('member login: a bad or reused code is refused', async () => {
    await makeMember(h, 'zhangsan');
    const post = (code: string) =>
      fetch(`${h.url}/api/mp/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    expect((await post('not-a-code')).status).toBe(401);
    const code = h.sim.state.issueLoginCode('zhangsan');
    expect((await post(code)).status).toBe(200);
    expect((await post(code)).status).toBe(401);
    expect((await post('')).status).toBe(400);
  });

  it('the daily prune deletes sessions whose refresh token expired and sessions revoked a day ago, and only them', async () => {
    const { MemberSession } = await import('../src/auth/member-session.entity');
    const { pruneMemberSessionsTask } = await import('../src/auth/session-prune-task');
    const { runTaskOnce } = await import('../src/scheduler/run-task-once');
    await makeMember(h, 'zhangsan');
    const [expired, revoked, revokedToday, fresh] = [await signIn(h, 'zhangsan'), await signIn(h, 'zhangsan'), await signIn(h, 'zhangsan'), await signIn(h, 'zhangsan')];
    const sessions = h.runtime.ctx.dataSource.getRepository(MemberSession);
    const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');
    const now = Date.now();
    await sessions.update({ accessHash: hashOf(expired.accessToken) }, { accessExpiresAt: now - 1000, refreshExpiresAt: now - 1000 });
    await sessions.update({ accessHash: hashOf(revoked.accessToken) }, { revokedAt: now - 25 * 3600_000, revokedReason: 'logout' });
    await sessions.update({ accessHash: hashOf(revokedToday.accessToken) }, { revokedAt: now - 3600_000, revokedReason: 'logout' });
    const me = (token: string) => fetch(`${h.url}/api/mp/me`, { headers: { authorization: `Bearer ${token}` } });
    for (const gone of [expired, revoked, revokedToday]) expect((await me(gone.accessToken)).status).toBe(401);
    expect((await me(fresh.accessToken)).status).toBe(200);

    const before = await sessions.count();
    await runTaskOnce(h.runtime.ctx, pruneMemberSessionsTask, now);
    expect(await sessions.count()).toBe(before - 2);
    expect(await sessions.findOneBy({ accessHash: hashOf(expired.accessToken) })).toBeNull();
    expect(await sessions.findOneBy({ accessHash: hashOf(revoked.accessToken) })).toBeNull();
    expect(await sessions.findOneBy({ accessHash: hashOf(revokedToday.accessToken) })).not.toBeNull();
    expect((await me(fresh.accessToken)).status).toBe(200);
  });

  it('a worker process (ROLE=worker) serves only its health probes', async () => {
    const { startRuntime } = await import('../src/runtime');
    const { silentLogger } = await import('../src/logger');
    const worker = await startRuntime({ ...h.config, port: 0, role: 'worker' }, { logger: silentLogger, runWorkers: false, runScheduler: false });
    try {
      expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${worker.url}/readyz`)).status).toBe(200);
      expect((await fetch(`${worker.url}/wecom/callback`, { method: 'POST', body: '<xml/>' })).status).toBe(404);
      expect((await fetch(`${worker.url}/api/admin/channels`, { headers: { authorization: `Bearer ${h.config.adminToken}` } })).status).toBe(404);
    } finally {
      await worker.stop();
    }
  });
});
