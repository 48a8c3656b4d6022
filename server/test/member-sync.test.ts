import { MemberSession } from '../src/auth/member-session.entity';
import { Member } from '../src/members/member.entity';
import { memberSyncTask, syncMembers } from '../src/members/sync';
import { runTaskOnce } from '../src/scheduler/run-task-once';
import { scheduledTasks } from '../src/scheduler/tasks';
import { Harness, startHarness } from './support/harness';
import { signIn } from './support/factories';

/** Members come from WeCom's member list (department/list + user/list, the simulator here). */
describe('member sync from WeCom', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ runtime: { runWorkers: false } });
  });
  afterAll(async () => h.close());

  const members = () => h.runtime.ctx.dataSource.getRepository(Member);
  const member = (userId: string) => members().findOneByOrFail({ userId });
  const me = (token: string) => fetch(`${h.url}/api/mp/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

  it('adds every member the app can see, with name, departments and status, and reads sub-departments once', async () => {
    const sales = h.sim.state.addDepartment({ name: '销售部' });
    const east = h.sim.state.addDepartment({ name: '华东区', parentid: sales.id });
    h.sim.state.addMember('sync-a', '甲', { department: [sales.id] });
    h.sim.state.addMember('sync-b', '乙', { department: [east.id, 1] });
    h.sim.state.addMember('sync-c', '丙', { status: 4 });

    const sync = await h.admin('POST', '/api/admin/members/sync');
    expect(sync.status).toBe(200);
    expect(sync.body).toMatchObject({ listed: 3, added: 3, updated: 0, disabled: 0, left: 0 });
    expect(await member('sync-a')).toMatchObject({ name: '甲', departmentIds: [sales.id], status: 'active', storeId: null });
    expect(await member('sync-b')).toMatchObject({ name: '乙', departmentIds: [1, east.id], status: 'active' });
    // Not activated yet: active in Xiansuo, so roles can be given before the first WeCom sign-in.
    expect((await member('sync-c')).status).toBe('active');
    // department/list once, then user/list with fetch_child=1 on the top department only.
    const lists = h.sim.successfulCalls('user/list');
    expect(lists.map((c) => [c.query.department_id, c.query.fetch_child])).toEqual([['1', '1']]);

    // Nothing changed: nothing to add or update, only synced_at moves.
    const before = (await member('sync-a')).syncedAt;
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await h.admin('POST', '/api/admin/members/sync')).body).toMatchObject({ listed: 3, added: 0, updated: 0 });
    expect((await member('sync-a')).syncedAt).toBeGreaterThan(before);
  });

  it('renames and moves members; names are cleaned of control and bidi characters', async () => {
    h.sim.state.members.get('sync-a')!.name = '甲\u202E改名\u200B';
    h.sim.state.members.get('sync-a')!.department = [1];
    const result = await syncMembers(h.runtime.ctx);
    expect(result).toMatchObject({ updated: 1, added: 0 });
    expect(await member('sync-a')).toMatchObject({ name: '甲改名', departmentIds: [1], status: 'active' });
  });

  it('a member disabled in WeCom is disabled here and loses every session at once', async () => {
    await h.admin('PATCH', '/api/admin/members/sync-b', { roles: ['rep'] });
    const [phone, laptop] = [await signIn(h, 'sync-b'), await signIn(h, 'sync-b')];
    expect(await me(phone.accessToken)).toBe(200);

    h.sim.state.disableMember('sync-b');
    const result = await syncMembers(h.runtime.ctx);
    expect(result).toMatchObject({ updated: 1, disabled: 1, left: 0, sessionsRevoked: 2 });
    expect((await member('sync-b')).status).toBe('disabled');
    expect(await me(phone.accessToken)).toBe(401);
    expect(await me(laptop.accessToken)).toBe(401);
    const refresh = await fetch(`${h.url}/api/mp/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: laptop.refreshToken }) });
    expect(refresh.status).toBe(401);
    const sessions = await h.runtime.ctx.dataSource.getRepository(MemberSession).findBy({ userId: 'sync-b' });
    expect(sessions.map((s) => s.revokedReason)).toEqual(['member_disabled', 'member_disabled']);
    // Disabled members cannot sign in again, even with their roles.
    const login = await fetch(`${h.url}/api/mp/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: h.sim.state.issueLoginCode('sync-b') }),
    });
    expect(login.status).toBe(403);

    // Enabled again: active, and signing in works (the old sessions stay revoked).
    h.sim.state.disableMember('sync-b', false);
    await syncMembers(h.runtime.ctx);
    expect((await member('sync-b')).status).toBe('active');
    expect(await me(phone.accessToken)).toBe(401);
    expect(await me((await signIn(h, 'sync-b')).accessToken)).toBe(200);
  });

  it('a member who left (no longer listed) is marked left and loses every session; the scheduled task does it too', async () => {
    await h.admin('PATCH', '/api/admin/members/sync-c', { roles: ['rep'] });
    const session = await signIn(h, 'sync-c');
    expect(await me(session.accessToken)).toBe(200);

    h.sim.state.removeMember('sync-c');
    expect(scheduledTasks).toContain(memberSyncTask);
    expect(await runTaskOnce(h.runtime.ctx, memberSyncTask, Date.now())).toBe('ran');
    expect((await member('sync-c')).status).toBe('left');
    expect(await me(session.accessToken)).toBe(401);
    expect((await h.runtime.ctx.dataSource.getRepository(MemberSession).findOneByOrFail({ userId: 'sync-c' })).revokedReason).toBe('member_left');
    // Roles are kept: a member who comes back (rehired, back in the app's visible range) has them again.
    expect((await h.admin('GET', '/api/admin/members/sync-c')).body).toMatchObject({ status: 'left', roles: ['rep'] });
    h.sim.state.addMember('sync-c', '丙');
    expect(await syncMembers(h.runtime.ctx)).toMatchObject({ updated: 1, left: 0 });
    expect((await member('sync-c')).status).toBe('active');
  });

  it('an empty member list (visible range empty or misconfigured) changes nothing', async () => {
    const session = await signIn(h, 'sync-b');
    const listed = [...h.sim.state.members.keys()];
    const saved = listed.map((userId) => h.sim.state.members.get(userId)!);
    for (const userId of listed) h.sim.state.removeMember(userId);
    try {
      const result = await syncMembers(h.runtime.ctx);
      expect(result).toMatchObject({ listed: 0, added: 0, updated: 0, left: 0, sessionsRevoked: 0 });
      expect((await member('sync-a')).status).toBe('active');
      expect(await me(session.accessToken)).toBe(200);
    } finally {
      for (const m of saved) h.sim.state.addMember(m.userid, m.name, m);
    }
  });

  it('the simulator answers department/list and user/list as WeCom does', async () => {
    const agent = h.runtime.ctx.wecom.agent;
    const sales = (await agent.get<{ department: Array<{ id: number; name: string; parentid: number }> }>('department/list')).department.find((d) => d.name === '销售部')!;
    const subtree = await agent.get<{ department: Array<{ name: string }> }>('department/list', { id: sales.id });
    expect(subtree.department.map((d) => d.name)).toEqual(['销售部', '华东区']);
    const direct = await agent.get<{ userlist: Array<{ userid: string }> }>('user/list', { department_id: sales.id, fetch_child: 0 });
    const withChildren = await agent.get<{ userlist: Array<{ userid: string; status: number; enable: number; department: number[] }> }>('user/list', { department_id: sales.id, fetch_child: 1 });
    expect(direct.userlist.map((u) => u.userid)).toEqual([]);
    expect(withChildren.userlist.map((u) => u.userid)).toEqual(['sync-b']);
    expect(withChildren.userlist[0]).toMatchObject({ status: 1, enable: 1 });
    await expect(agent.get('user/list', { department_id: 999 })).rejects.toMatchObject({ errcode: 60123 });
    await expect(agent.get('user/list', {})).rejects.toMatchObject({ errcode: 40058 });
  });

  it('a WeCom failure changes nothing and says so: the sync-now endpoint answers 502', async () => {
    h.sim.faults.inject({ path: 'user/list', errcode: 60011 });
    const r = await h.admin('POST', '/api/admin/members/sync');
    expect(r.status).toBe(502);
    expect(r.body.error).toBe('wecom_error');
    expect((await member('sync-a')).status).toBe('active');
  });
});
