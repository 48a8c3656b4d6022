import { makeLead, makeMember, makeTeam } from './support/factories';
import { Harness, startHarness } from './support/harness';

/**
 * The operator console's sign-in (issue 12): WeCom web login through the simulator
 * (wwlogin/sso/login → auth/getuserinfo), the session cookie, CSRF on every state-changing request,
 * and the console API going through the policies (a manager sees their teams).
 */
describe('console sign-in and session', () => {
  let h: Harness;
  let ip = 0;

  beforeAll(async () => {
    h = await startHarness({ runtime: { runScheduler: false } });
    await makeMember(h, 'op-admin', { name: '运营甲', roles: ['admin'] });
    await makeMember(h, 'only-rep', { name: '销售乙', roles: ['rep'] });
  });
  afterAll(async () => h?.close());

  /** A request from a fresh address (the harness trusts X-Forwarded-For), so the sign-in limit is not what is tested. */
  const call = (path: string, init: RequestInit & { cookie?: string } = {}) =>
    fetch(path.startsWith('http') ? path : `${h.url}${path}`, {
      redirect: 'manual',
      ...init,
      headers: { 'x-forwarded-for': `198.51.100.${(ip++ % 254) + 1}`, ...(init.cookie ? { cookie: init.cookie } : {}), ...(init.headers ?? {}) },
    });
  const cookieOf = (r: Response, name: string) => r.headers.getSetCookie().find((c) => c.startsWith(`${name}=`)) ?? null;
  const valueOf = (setCookie: string | null) => setCookie?.split(';')[0] ?? '';

  /** The whole dance: our redirect to WeCom, the member picked in the simulator, WeCom's redirect back. */
  async function signIn(userId: string): Promise<{ callback: Response; cookie: string }> {
    const start = await call('/api/console/auth/login?next=%2Fconsole%2Fleads');
    expect(start.status).toBe(302);
    const stateCookie = valueOf(cookieOf(start, 'xs_console_login'));
    const loginPage = new URL(start.headers.get('location')!);
    const pick = new URL('/wwlogin/sso/pick', loginPage);
    pick.search = loginPage.search;
    pick.searchParams.set('userid', userId);
    const picked = await call(pick.toString());
    expect(picked.status).toBe(302);
    const callback = await call(picked.headers.get('location')!, { cookie: stateCookie });
    return { callback, cookie: valueOf(cookieOf(callback, 'xs_console')) };
  }

  it('sends the browser to WeCom web login with the app, a state and our callback; the state waits in a short, HttpOnly cookie', async () => {
    const r = await call('/api/console/auth/login');
    expect(r.status).toBe(302);
    const to = new URL(r.headers.get('location')!);
    expect(to.pathname).toBe('/wwlogin/sso/login');
    expect(to.origin).toBe(h.sim.baseUrl);
    expect(Object.fromEntries(to.searchParams)).toMatchObject({ login_type: 'CorpApp', appid: h.config.wecom.corpId, agentid: String(h.config.wecom.agentId) });
    expect(to.searchParams.get('redirect_uri')).toBe(`${h.url}/api/console/auth/callback`);
    const state = cookieOf(r, 'xs_console_login')!;
    expect(state).toMatch(/httponly/i);
    expect(state).toMatch(/samesite=lax/i);
    expect(state).toMatch(/path=\/api\/console\/auth/i);
    expect(state.split(';')[0]).toContain(to.searchParams.get('state')!);
    // The simulator's page lists the members to pick from.
    const page = await (await fetch(to)).text();
    expect(page).toContain('运营甲');
  });

  it('an admin signs in: a session cookie (HttpOnly, SameSite=Lax), back to the page asked for, and the session names them', async () => {
    const { callback, cookie } = await signIn('op-admin');
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/console/leads');
    expect(cookieOf(callback, 'xs_console')).toMatch(/httponly.*samesite=lax|samesite=lax.*httponly/i);
    const session = await call('/api/console/session', { cookie });
    expect(session.status).toBe(200);
    const body = (await session.json()) as { member: unknown; csrfToken: string };
    expect(body.member).toMatchObject({ userId: 'op-admin', name: '运营甲', roles: ['admin'] });
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a member without a console role, a state that is not ours, and a code used twice', async () => {
    const rep = await signIn('only-rep');
    expect(rep.callback.headers.get('location')).toBe('/console/login?error=not_console_member');
    expect(rep.cookie).toBe('');

    // WeCom's redirect replayed in another browser (no state cookie), or a forged one.
    const start = await call('/api/console/auth/login');
    const loginPage = new URL(start.headers.get('location')!);
    const pick = new URL('/wwlogin/sso/pick', loginPage);
    pick.search = loginPage.search;
    pick.searchParams.set('userid', 'op-admin');
    const back = (await call(pick.toString())).headers.get('location')!;
    const forged = await call(back, { cookie: 'xs_console_login=someone-else|/console/' });
    expect(forged.headers.get('location')).toBe('/console/login?error=state');
    expect(cookieOf(forged, 'xs_console')).toBeNull();
    // With the right state the code signs in once; the same code again is refused.
    const stateCookie = valueOf(cookieOf(start, 'xs_console_login'));
    expect((await call(back, { cookie: stateCookie })).headers.get('location')).toBe('/console/');
    expect((await call(back, { cookie: stateCookie })).headers.get('location')).toBe('/console/login?error=invalid_code');
  });

  it('a state-changing request needs the CSRF header; signing out ends the session', async () => {
    const { cookie } = await signIn('op-admin');
    const { csrfToken } = (await (await call('/api/console/session', { cookie })).json()) as { csrfToken: string };
    const forged = await call('/api/console/auth/logout', { method: 'POST', cookie });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: string }).error).toBe('csrf_failed');
    expect((await call('/api/console/auth/logout', { method: 'POST', cookie, headers: { 'x-csrf-token': 'x'.repeat(43) } })).status).toBe(403);
    expect((await call('/api/console/session', { cookie })).status).toBe(200);
    const out = await call('/api/console/auth/logout', { method: 'POST', cookie, headers: { 'x-csrf-token': csrfToken } });
    expect(out.status).toBe(204);
    expect((await call('/api/console/session', { cookie })).status).toBe(401);
  });

  it('no console route without a session, under any spelling; an mp bearer token or the admin token is no console session', async () => {
    for (const path of ['/api/console/session', '/API/CONSOLE/session', '/api/console/./dashboard?from=2026-01-01&to=2026-01-02', '/api/%63onsole/dashboard', '/api/console/auth/login/../../dashboard']) {
      const r = await call(path, { headers: { authorization: `Bearer ${h.config.adminToken}` } });
      expect(r.status).toBe(401);
    }
  });

  it('the dashboard is the policies’: a manager sees the leads of their teams, an admin all of them', async () => {
    await makeMember(h, 'rep-east', { roles: ['rep'] });
    await makeMember(h, 'rep-west', { roles: ['rep'] });
    const east = await makeTeam(h, { name: '华东组', members: ['rep-east'] });
    await makeMember(h, 'boss-east', { name: '华东主管', roles: ['manager'], managedTeamIds: [east.id] });
    const ds = h.runtime.ctx.dataSource;
    await makeLead(ds, { ownerUserId: 'rep-east' });
    await makeLead(ds, { ownerUserId: 'rep-east' });
    await makeLead(ds, { ownerUserId: 'rep-west' });
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const dashboardOf = async (userId: string) => {
      const { cookie } = await signIn(userId);
      const r = await call(`/api/console/dashboard?from=${today}&to=${today}`, { cookie });
      expect(r.status).toBe(200);
      return (await r.json()) as { adds: { today: number }; responseTimes: Array<{ userId: string }> };
    };
    const manager = await dashboardOf('boss-east');
    expect(manager.adds.today).toBe(2);
    expect(manager.responseTimes.map((r: { userId: string }) => r.userId)).toEqual(['rep-east']);
    const admin = await dashboardOf('op-admin');
    expect(admin.adds.today).toBeGreaterThanOrEqual(3);
  });

  it('sends a signed-in member back only to a console page, however the path is encoded; replies are not cached', async () => {
    for (const next of ['/console/%2e%2e/api/console/leads', '/console/.%2e/.%2e/wecom/callback', '/console/..%2f..%2fhealthz', '//evil.example/console', '/console//evil.example', 'https://evil.example/console/']) {
      const start = await call(`/api/console/auth/login?next=${encodeURIComponent(next)}`);
      expect(decodeURIComponent(start.headers.getSetCookie().find((c) => c.startsWith('xs_console_login='))!)).toContain('|/console/;');
    }
    const { cookie } = await signIn('op-admin');
    expect((await call('/api/console/session', { cookie })).headers.get('cache-control')).toBe('no-store');
  });
});
