import { Harness, startHarness } from './support/harness';
import { makeMember, makeTeam, signIn } from './support/factories';

/** /api/admin/members and /api/admin/stores: roles, managed teams, stores. */
describe('members and stores admin API', () => {
  let h: Harness;
  let teamA: { id: number; name: string };
  let teamB: { id: number; name: string };
  beforeAll(async () => {
    h = await startHarness({ runtime: { runWorkers: false } });
    for (const [userId, name] of [['adm-zhang', '张三'], ['adm-li', '李四'], ['adm-wang', '王五'], ['adm-zhao', '赵六']]) h.sim.state.addMember(userId, name);
    expect((await h.admin('POST', '/api/admin/members/sync')).status).toBe(200);
    teamA = await makeTeam(h, { name: '管理一组', members: ['adm-zhang', 'adm-li'] });
    teamB = await makeTeam(h, { name: '管理二组', members: ['adm-wang'] });
  });
  afterAll(async () => h.close());

  describe('stores', () => {
    it('creates a store with its corp tag name (default 门店：<name>) and lists them', async () => {
      const jingan = await h.admin('POST', '/api/admin/stores', { name: '静安店' });
      expect(jingan.status).toBe(201);
      expect(jingan.body).toMatchObject({ id: expect.any(Number), name: '静安店', tagName: '门店：静安店' });
      const xuhui = await h.admin('POST', '/api/admin/stores', { name: '徐汇店', tagName: '徐汇门店' });
      expect(xuhui.body.tagName).toBe('徐汇门店');
      const list = await h.admin('GET', '/api/admin/stores');
      expect(list.body.items.map((s: { name: string }) => s.name)).toEqual(['静安店', '徐汇店']);
    });

    it('refuses a duplicate name (409) and bad input (400)', async () => {
      expect((await h.admin('POST', '/api/admin/stores', { name: '静安店' })).status).toBe(409);
      expect((await h.admin('POST', '/api/admin/stores', {})).status).toBe(400);
      expect((await h.admin('POST', '/api/admin/stores', { name: '' })).status).toBe(400);
      expect((await h.admin('POST', '/api/admin/stores', { name: '店', tagName: 'x'.repeat(31) })).status).toBe(400);
      // The default tag name would be longer than WeCom allows: say so, and how to fix it.
      const long = await h.admin('POST', '/api/admin/stores', { name: '一'.repeat(28) });
      expect(long.status).toBe(400);
      expect(long.body.message).toContain('tagName');
    });
  });

  describe('roles', () => {
    it('a synced member starts with no role; roles, managed teams and a store are set with PATCH', async () => {
      const fresh = await h.admin('GET', '/api/admin/members/adm-zhang');
      expect(fresh.body).toMatchObject({ userId: 'adm-zhang', name: '张三', status: 'active', roles: [], store: null, managedTeams: [], teams: [{ id: teamA.id, name: '管理一组' }] });

      const rep = await h.admin('PATCH', '/api/admin/members/adm-zhang', { roles: ['rep'] });
      expect(rep.status).toBe(200);
      expect(rep.body.roles).toEqual(['rep']);

      const manager = await h.admin('PATCH', '/api/admin/members/adm-wang', { roles: ['manager', 'rep'], managedTeamIds: [teamA.id, teamB.id] });
      expect(manager.status).toBe(200);
      expect(manager.body).toMatchObject({
        roles: ['rep', 'manager'],
        managedTeams: [
          { id: teamA.id, name: '管理一组' },
          { id: teamB.id, name: '管理二组' },
        ],
      });

      const store = (await h.admin('GET', '/api/admin/stores')).body.items[0];
      const clerk = await h.admin('PATCH', '/api/admin/members/adm-zhao', { roles: ['store_staff'], storeId: store.id });
      expect(clerk.body).toMatchObject({ roles: ['store_staff'], store: { id: store.id, name: store.name } });

      // What the admin set is what the member sees when signing in.
      expect((await signIn(h, 'adm-wang')).member).toMatchObject({ roles: ['rep', 'manager'], managedTeams: [{ id: teamA.id }, { id: teamB.id }], teams: [{ id: teamB.id }] });
      expect((await signIn(h, 'adm-zhao')).member).toMatchObject({ roles: ['store_staff'], store: { id: store.id } });
    });

    it('fields left out keep their value; taking a role away drops what came with it', async () => {
      const kept = await h.admin('PATCH', '/api/admin/members/adm-wang', { managedTeamIds: [teamB.id] });
      expect(kept.body).toMatchObject({ roles: ['rep', 'manager'], managedTeams: [{ id: teamB.id }] });
      const dropped = await h.admin('PATCH', '/api/admin/members/adm-wang', { roles: ['rep'] });
      expect(dropped.body).toMatchObject({ roles: ['rep'], managedTeams: [] });
      // Managing again starts from nothing: the old teams did not linger.
      expect((await h.admin('PATCH', '/api/admin/members/adm-wang', { roles: ['rep', 'manager'] })).body.managedTeams).toEqual([]);
    });

    it('refuses what does not fit together, or does not exist (400), and unknown members (404)', async () => {
      const store = (await h.admin('GET', '/api/admin/stores')).body.items[0];
      const cases: Array<[string, unknown, number]> = [
        ['adm-li', { roles: ['rep'], managedTeamIds: [teamA.id] }, 400],
        ['adm-li', { roles: ['rep'], storeId: store.id }, 400],
        ['adm-li', { roles: ['store_staff'] }, 400],
        ['adm-li', { roles: ['manager'], managedTeamIds: [999999] }, 400],
        ['adm-li', { roles: ['store_staff'], storeId: 999999 }, 400],
        ['adm-li', { roles: ['boss'] }, 400],
        ['adm-li', {}, 400],
        ['adm-li', { roles: 'rep' }, 400],
        ['nobody', { roles: ['rep'] }, 404],
        ['bad%20id', { roles: ['rep'] }, 400],
      ];
      for (const [userId, body, status] of cases) {
        const r = await h.admin('PATCH', `/api/admin/members/${userId}`, body);
        expect({ userId, body, status: r.status }).toEqual({ userId, body, status });
      }
      expect((await h.admin('GET', '/api/admin/members/adm-li')).body.roles).toEqual([]);
      expect((await h.admin('GET', '/api/admin/members/nobody')).status).toBe(404);
    });

    it('duplicate roles count once', async () => {
      const r = await h.admin('PATCH', '/api/admin/members/adm-li', { roles: ['rep', 'rep', 'admin'] });
      expect(r.body.roles).toEqual(['rep', 'admin']);
    });
  });

  describe('list', () => {
    it('filters by status, role, team, store and text, pages with a cursor', async () => {
      const userIds = (body: { items: Array<{ userId: string }> }) => body.items.map((m) => m.userId);
      const all = await h.admin('GET', '/api/admin/members');
      expect(all.status).toBe(200);
      expect(userIds(all.body)).toEqual(['adm-zhang', 'adm-li', 'adm-wang', 'adm-zhao']);
      expect(all.body.nextCursor).toBeNull();
      expect(all.body.items[0]).toMatchObject({ departmentIds: [1], syncedAt: expect.any(String) });

      expect(userIds((await h.admin('GET', '/api/admin/members?role=rep')).body)).toEqual(['adm-zhang', 'adm-li', 'adm-wang']);
      expect(userIds((await h.admin('GET', '/api/admin/members?role=store_staff')).body)).toEqual(['adm-zhao']);
      expect(userIds((await h.admin('GET', `/api/admin/members?teamId=${teamA.id}`)).body)).toEqual(['adm-zhang', 'adm-li']);
      const store = (await h.admin('GET', '/api/admin/stores')).body.items[0];
      expect(userIds((await h.admin('GET', `/api/admin/members?storeId=${store.id}`)).body)).toEqual(['adm-zhao']);
      expect(userIds((await h.admin('GET', `/api/admin/members?q=${encodeURIComponent('王')}`)).body)).toEqual(['adm-wang']);
      expect(userIds((await h.admin('GET', '/api/admin/members?q=zh')).body)).toEqual(['adm-zhang', 'adm-zhao']);
      // LIKE wildcards are text here.
      expect(userIds((await h.admin('GET', '/api/admin/members?q=%25')).body)).toEqual([]);

      await makeMember(h, 'adm-gone', { status: 'left' });
      expect(userIds((await h.admin('GET', '/api/admin/members?status=left')).body)).toEqual(['adm-gone']);

      const first = await h.admin('GET', '/api/admin/members?limit=2');
      expect(userIds(first.body)).toEqual(['adm-zhang', 'adm-li']);
      const second = await h.admin('GET', `/api/admin/members?limit=2&cursor=${first.body.nextCursor}`);
      expect(userIds(second.body)).toEqual(['adm-wang', 'adm-zhao']);
      const third = await h.admin('GET', `/api/admin/members?limit=2&cursor=${second.body.nextCursor}`);
      expect(userIds(third.body)).toEqual(['adm-gone']);
      expect(third.body.nextCursor).toBeNull();

      for (const query of ['status=gone', 'role=boss', 'teamId=x', 'limit=0', 'limit=201', 'cursor=bogus']) {
        expect({ query, status: (await h.admin('GET', `/api/admin/members?${query}`)).status }).toEqual({ query, status: 400 });
      }
    });

    it('needs the admin token', async () => {
      for (const [method, path] of [['GET', '/api/admin/members'], ['PATCH', '/api/admin/members/adm-li'], ['POST', '/api/admin/members/sync'], ['GET', '/api/admin/stores'], ['POST', '/api/admin/stores']]) {
        const r = await fetch(`${h.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
        expect({ method, path, status: r.status }).toEqual({ method, path, status: 401 });
      }
    });
  });
});
