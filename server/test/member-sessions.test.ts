import { createHash } from 'node:crypto';
import { MemberSession } from '../src/auth/member-session.entity';
import { Member } from '../src/members/member.entity';
import { Harness, startHarness } from './support/harness';
import { makeLead, makeMember, makeTeam, signIn } from './support/factories';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** POST /api/mp/login, /refresh, /logout and GET /me: member sessions as the mini-program uses them. */
describe('member sessions (/api/mp)', () => {
  let h: Harness;
  // The per-session limit is small here so the rate-limit case needs few requests; others stay under it.
  const PER_MINUTE = 40;
  beforeAll(async () => {
    h = await startHarness({ runtime: { runWorkers: false }, config: { mpRateLimitPerMinute: PER_MINUTE } });
  });
  afterEach(() => {
    h.runtime.ctx.clock = undefined;
  });
  afterAll(async () => h.close());

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const r = await fetch(`${h.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : null };
  };
  const get = async (path: string, token: string) => {
    const r = await fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const text = await r.text();
    return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : null };
  };
  // Each sign-in from its own address, so the per-address sign-in limit stays out of the way.
  let visitor = 0;
  const login = (userId: string, options: { corpId?: string } = {}) =>
    post('/api/mp/login', { code: h.sim.state.issueLoginCode(userId, options) }, { 'x-forwarded-for': `203.0.113.${++visitor}` });
  const sessionOf = (accessToken: string) =>
    h.runtime.ctx.dataSource.getRepository(MemberSession).findOneByOrFail({ accessHash: createHash('sha256').update(accessToken).digest('hex') });

  describe('login', () => {
    it('a member with a role gets an access token (2 h), a refresh token (30 days) and who they are', async () => {
      const team = await makeTeam(h, { name: '登录一组', members: ['s-rep'] });
      await makeMember(h, 's-rep', { name: '销售甲', roles: ['rep', 'manager'], managedTeamIds: [team.id] });
      const before = Date.now();
      const r = await login('s-rep');
      expect(r.status).toBe(200);
      expect(Object.keys(r.body).sort()).toEqual(['accessExpiresAt', 'accessToken', 'member', 'refreshExpiresAt', 'refreshToken']);
      expect(r.body.member).toEqual({
        userId: 's-rep',
        name: '销售甲',
        roles: ['rep', 'manager'],
        store: null,
        teams: [{ id: team.id, name: '登录一组' }],
        managedTeams: [{ id: team.id, name: '登录一组' }],
      });
      expect(Date.parse(r.body.accessExpiresAt) - before).toBeGreaterThanOrEqual(2 * HOUR);
      expect(Date.parse(r.body.accessExpiresAt) - Date.now()).toBeLessThanOrEqual(2 * HOUR);
      expect(Date.parse(r.body.refreshExpiresAt) - before).toBeGreaterThanOrEqual(30 * DAY);
      expect(Date.parse(r.body.refreshExpiresAt) - Date.now()).toBeLessThanOrEqual(30 * DAY);
      expect(r.body.accessToken).not.toBe(r.body.refreshToken);
      // Stored hashed only, and WeCom's session_key is neither stored nor returned.
      const row = await sessionOf(r.body.accessToken);
      expect(JSON.stringify(row)).not.toContain(r.body.accessToken);
      expect(JSON.stringify(row)).not.toContain(r.body.refreshToken);
      expect(JSON.stringify(r.body)).not.toContain('session_key');
      expect(h.sim.successfulCalls('miniprogram/jscode2session').length).toBeGreaterThan(0);

      const me = await get('/api/mp/me', r.body.accessToken);
      expect(me.status).toBe(200);
      expect(me.body).toEqual(r.body.member);
    });

    it('store staff see their store', async () => {
      const store = await h.admin('POST', '/api/admin/stores', { name: '登录测试店' });
      await makeMember(h, 's-clerk', { roles: ['store_staff'], storeId: store.body.id });
      const r = await login('s-clerk');
      expect(r.status).toBe(200);
      expect(r.body.member).toMatchObject({ roles: ['store_staff'], store: { id: store.body.id, name: '登录测试店' }, teams: [], managedTeams: [] });
    });

    it('403 not_a_member: unknown in Xiansuo, without a role, disabled or left', async () => {
      h.sim.state.addMember('s-stranger');
      await makeMember(h, 's-noroles', { roles: [] });
      await makeMember(h, 's-disabled', { status: 'disabled' });
      await makeMember(h, 's-left', { status: 'left' });
      for (const userId of ['s-stranger', 's-noroles', 's-disabled', 's-left']) {
        const r = await login(userId);
        expect({ userId, status: r.status, error: r.body.error }).toEqual({ userId, status: 403, error: 'not_a_member' });
        expect(r.body.message).toMatch(/[\u4e00-\u9fff]/);
      }
      expect(await h.runtime.ctx.dataSource.getRepository(MemberSession).countBy({ userId: 's-noroles' })).toBe(0);
    });

    it('403 wrong_corp when jscode2session names another corp', async () => {
      await makeMember(h, 's-corp');
      const r = await login('s-corp', { corpId: 'wwanothercorp000001' });
      expect(r.status).toBe(403);
      expect(r.body.error).toBe('wrong_corp');
    });

    it('401 invalid_code for a bad, used or expired code; 400 for a bad body', async () => {
      await makeMember(h, 's-code');
      expect((await post('/api/mp/login', { code: 'no-such-code' })).body).toMatchObject({ error: 'invalid_code' });
      const code = h.sim.state.issueLoginCode('s-code');
      expect((await post('/api/mp/login', { code })).status).toBe(200);
      const reused = await post('/api/mp/login', { code });
      expect(reused.status).toBe(401);
      expect(reused.body.error).toBe('invalid_code');
      const stale = h.sim.state.issueLoginCode('s-code');
      h.sim.state.loginCodes.get(stale)!.issuedAt -= 6 * 60_000;
      expect((await post('/api/mp/login', { code: stale })).status).toBe(401);
      for (const body of [{}, { code: '' }, { code: 42 }, { code: 'x'.repeat(129) }]) expect((await post('/api/mp/login', body)).status).toBe(400);
    });
  });

  describe('refresh and logout', () => {
    it('refresh rotates both tokens: the old refresh token and the old access token stop working', async () => {
      await makeMember(h, 's-refresh');
      const first = (await login('s-refresh')).body;
      const second = await post('/api/mp/refresh', { refreshToken: first.refreshToken });
      expect(second.status).toBe(200);
      expect(second.body.member.userId).toBe('s-refresh');
      expect(second.body.refreshToken).not.toBe(first.refreshToken);
      expect(second.body.accessToken).not.toBe(first.accessToken);
      expect((await get('/api/mp/me', second.body.accessToken)).status).toBe(200);
      expect((await get('/api/mp/me', first.accessToken)).status).toBe(401);
      // The same session goes on: one row, rotated in place.
      expect((await sessionOf(second.body.accessToken)).userId).toBe('s-refresh');
      expect(await h.runtime.ctx.dataSource.getRepository(MemberSession).countBy({ userId: 's-refresh' })).toBe(1);

      const third = await post('/api/mp/refresh', { refreshToken: second.body.refreshToken });
      expect(third.status).toBe(200);
      expect((await get('/api/mp/me', third.body.accessToken)).status).toBe(200);
    });

    it('a rotated refresh token presented again revokes the session (it was copied)', async () => {
      await makeMember(h, 's-reuse');
      const first = (await login('s-reuse')).body;
      const second = (await post('/api/mp/refresh', { refreshToken: first.refreshToken })).body;
      const replay = await post('/api/mp/refresh', { refreshToken: first.refreshToken });
      expect(replay.status).toBe(401);
      expect(replay.body.error).toBe('invalid_refresh');
      expect((await get('/api/mp/me', second.accessToken)).status).toBe(401);
      expect((await post('/api/mp/refresh', { refreshToken: second.refreshToken })).status).toBe(401);
      expect((await sessionOf(second.accessToken)).revokedReason).toBe('refresh_reused');
    });

    it('of two refreshes with one token at once, exactly one wins', async () => {
      await makeMember(h, 's-race');
      const first = (await login('s-race')).body;
      const results = await Promise.all([1, 2, 3].map(() => post('/api/mp/refresh', { refreshToken: first.refreshToken })));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      expect(results.filter((r) => r.status === 401).every((r) => r.body.error === 'invalid_refresh')).toBe(true);
    });

    it('401 invalid_refresh for garbage, an access token, or a bad body 400', async () => {
      await makeMember(h, 's-garbage');
      const session = (await login('s-garbage')).body;
      for (const refreshToken of ['nope', 'A'.repeat(43), session.accessToken]) {
        const r = await post('/api/mp/refresh', { refreshToken });
        expect({ refreshToken, status: r.status, error: r.body.error }).toEqual({ refreshToken, status: 401, error: 'invalid_refresh' });
      }
      expect((await post('/api/mp/refresh', {})).status).toBe(400);
      // The refresh token is not an access token either.
      expect((await get('/api/mp/me', session.refreshToken)).status).toBe(401);
    });

    it('logout revokes this session only: 204, then 401 for its tokens, other sessions go on', async () => {
      await makeMember(h, 's-logout');
      const phone = (await login('s-logout')).body;
      const laptop = (await login('s-logout')).body;
      const r = await fetch(`${h.url}/api/mp/logout`, { method: 'POST', headers: { authorization: `Bearer ${phone.accessToken}` } });
      expect(r.status).toBe(204);
      expect((await get('/api/mp/me', phone.accessToken)).status).toBe(401);
      expect((await post('/api/mp/refresh', { refreshToken: phone.refreshToken })).status).toBe(401);
      expect((await get('/api/mp/me', laptop.accessToken)).status).toBe(200);
      expect((await sessionOf(phone.accessToken)).revokedReason).toBe('logout');
      // Logging out needs a session like every other route.
      expect((await fetch(`${h.url}/api/mp/logout`, { method: 'POST' })).status).toBe(401);
    });
  });

  describe('expiry (on an injected clock)', () => {
    it('the access token lasts 2 hours, then refresh gives a new one; the refresh token lasts 30 days', async () => {
      await makeMember(h, 's-clock');
      const start = Date.now();
      let now = start;
      h.runtime.ctx.clock = () => now;
      const session = (await login('s-clock')).body;
      now = start + 2 * HOUR - 1000;
      expect((await get('/api/mp/me', session.accessToken)).status).toBe(200);
      now = start + 2 * HOUR;
      const expired = await get('/api/mp/me', session.accessToken);
      expect(expired.status).toBe(401);
      expect(expired.body.error).toBe('unauthorized');
      expect(expired.headers.get('www-authenticate')).toBe('Bearer realm="xiansuo-mp"');

      const renewed = await post('/api/mp/refresh', { refreshToken: session.refreshToken });
      expect(renewed.status).toBe(200);
      expect(Date.parse(renewed.body.accessExpiresAt)).toBe(now + 2 * HOUR);
      expect((await get('/api/mp/me', renewed.body.accessToken)).status).toBe(200);

      // Thirty days after that refresh, the refresh token it gave has expired too.
      now += 30 * DAY;
      expect((await post('/api/mp/refresh', { refreshToken: renewed.body.refreshToken })).status).toBe(401);
      now -= 1000;
      expect((await post('/api/mp/refresh', { refreshToken: renewed.body.refreshToken })).status).toBe(200);
    });
  });

  describe('revocation from outside the session', () => {
    it('a member disabled in Xiansuo, or whose roles are all taken away, answers 401 at once', async () => {
      await makeMember(h, 's-gone');
      const session = (await login('s-gone')).body;
      await h.runtime.ctx.dataSource.getRepository(Member).update({ userId: 's-gone' }, { status: 'disabled' });
      expect((await get('/api/mp/me', session.accessToken)).status).toBe(401);
      expect((await post('/api/mp/refresh', { refreshToken: session.refreshToken })).status).toBe(401);

      await makeMember(h, 's-demoted');
      const other = (await login('s-demoted')).body;
      expect((await h.admin('PATCH', '/api/admin/members/s-demoted', { roles: [] })).status).toBe(200);
      expect((await get('/api/mp/me', other.accessToken)).status).toBe(401);
      expect((await sessionOf(other.accessToken)).revokedReason).toBe('roles_removed');
    });

    it('a role change counts from the next request: the actor is read each time', async () => {
      await makeMember(h, 's-promoted');
      const session = (await login('s-promoted')).body;
      expect((await get('/api/mp/me', session.accessToken)).body.roles).toEqual(['rep']);
      await h.admin('PATCH', '/api/admin/members/s-promoted', { roles: ['rep', 'admin'] });
      expect((await get('/api/mp/me', session.accessToken)).body.roles).toEqual(['rep', 'admin']);
    });
  });

  describe('per-session rate limit', () => {
    it(`${PER_MINUTE} requests a minute per session, then 429 with Retry-After; other sessions are not affected`, async () => {
      await makeMember(h, 's-busy');
      const busy = (await login('s-busy')).body;
      const calm = (await login('s-busy')).body;
      const statuses: number[] = [];
      for (let i = 0; i < PER_MINUTE; i++) statuses.push((await get('/api/mp/me', busy.accessToken)).status);
      expect(statuses.every((s) => s === 200)).toBe(true);
      const refused = await get('/api/mp/leads', busy.accessToken);
      expect(refused.status).toBe(429);
      expect(refused.body.error).toBe('rate_limited');
      expect(refused.body.message).toMatch(/[\u4e00-\u9fff]/);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect((await get('/api/mp/me', calm.accessToken)).status).toBe(200);
      // Without a valid session the answer is 401, never 429.
      expect((await get('/api/mp/me', 'x'.repeat(43))).status).toBe(401);
    });
  });

  describe('the moved rep routes answer under /api/mp', () => {
    it('a rep lists, reads, follows up and returns their own lead; another rep gets 404', async () => {
      const team = await makeTeam(h, { name: '搬迁测试组', members: ['s-owner', 's-other'] });
      await makeMember(h, 's-owner');
      await makeMember(h, 's-other');
      const lead = await makeLead(h.runtime.ctx.dataSource, { ownerUserId: 's-owner', teamId: team.id, phone: '13912345678' });
      const owner = (await login('s-owner')).body.accessToken as string;
      const other = (await login('s-other')).body.accessToken as string;
      const call = async (token: string, method: string, path: string, body?: unknown) => {
        const r = await fetch(`${h.url}/api/mp${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
        return { status: r.status, body: (await r.json()) as any };
      };
      const mine = await call(owner, 'GET', '/leads');
      expect(mine.status).toBe(200);
      expect(mine.body.items.map((l: { id: number }) => l.id)).toContain(lead.id);
      expect(JSON.stringify(mine.body)).not.toContain('13912345678');
      expect((await call(owner, 'GET', `/leads/${lead.id}`)).status).toBe(200);
      expect((await call(other, 'GET', `/leads/${lead.id}`)).status).toBe(404);
      expect((await call(owner, 'POST', `/leads/${lead.id}/follow-ups`, { kind: 'call', content: '已电话联系' })).status).toBe(201);
      expect((await call(owner, 'GET', `/leads/${lead.id}/follow-ups`)).status).toBe(200);
      expect((await call(other, 'POST', `/leads/${lead.id}/return`, { reason: '不是我的' })).status).toBe(404);
      expect((await call(owner, 'POST', `/leads/${lead.id}/return`, { reason: '客户在外地' })).status).toBe(200);
    });
  });
});
