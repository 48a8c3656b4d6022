import { AuditLog } from '../src/audit/audit-log.entity';
import { Lead } from '../src/leads/lead.entity';
import { AssignmentRule } from '../src/teams/assignment-rule.entity';
import { makeLead, makeMember, makeTeam } from './support/factories';
import { Harness, startHarness } from './support/harness';
import { signInToConsole } from './support/console-session';

/**
 * The console's 规则与设置 (issue 12), /api/console/settings: admins only (a manager gets 403 on
 * every route, and keeps their own areas); teams, members' roles, assignment rules and their
 * order, the default team, scoring rules with the grade-change preview, the pool — each change
 * an audit row naming the member who made it; bad input a 400 in Chinese.
 */
describe('console settings', () => {
  let h: Harness;
  let ip = 0;
  let admin: Session;
  let manager: Session;

  interface Session {
    cookie: string;
    csrf: string;
  }

  beforeAll(async () => {
    h = await startHarness({ runtime: { runScheduler: false } });
    await makeMember(h, 'op-sun', { name: '孙运营', roles: ['admin'] });
    await makeMember(h, 'rep-a', { name: '销售甲', roles: ['rep'] });
    await makeMember(h, 'rep-b', { name: '销售乙', roles: ['rep'] });
    const team = await makeTeam(h, { name: '华东组', members: ['rep-a'] });
    await makeMember(h, 'boss-east', { name: '华东主管', roles: ['manager'], managedTeamIds: [team.id] });
    admin = await signIn('op-sun');
    manager = await signIn('boss-east');
  });
  afterAll(async () => h?.close());

  const headers = (extra: Record<string, string> = {}) => ({ 'x-forwarded-for': `198.51.100.${(ip++ % 254) + 1}`, ...extra });

  /** WeCom web login through the simulator: our redirect, the member picked, WeCom's redirect back; then the session's CSRF token. */
  async function signIn(userId: string): Promise<Session> {
    const { cookie, csrfToken } = await signInToConsole(h, userId);
    return { cookie, csrf: csrfToken };
  }

  async function call(who: Session, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const r = await fetch(`${h.url}/api/console${path}`, {
      method,
      headers: headers({ cookie: who.cookie, 'x-csrf-token': who.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  }

  /** The audit rows of an action, oldest first. */
  const auditRows = (action: AuditLog['action']) => h.runtime.ctx.dataSource.getRepository(AuditLog).find({ where: { action }, order: { id: 'ASC' } });

  it('is for admins: a manager gets 403 with the reason on every route and still has their dashboard', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/settings/teams'],
      ['POST', '/settings/teams', { name: '偷偷建的组' }],
      ['GET', '/settings/members'],
      ['PATCH', '/settings/members/boss-east', { roles: ['admin'] }],
      ['GET', '/settings/assignment-rules'],
      ['PUT', '/settings/assignment-rules/order', { ids: [] }],
      ['GET', '/settings/scoring/rules'],
      ['POST', '/settings/scoring/preview', {}],
      ['PUT', '/settings/pool', { followUpHours: 1 }],
      ['GET', '/settings/channels'],
    ];
    for (const [method, path, body] of routes) {
      const r = await call(manager, method, path, body);
      expect({ route: `${method} ${path}`, status: r.status, error: r.body?.error, message: r.body?.message }).toEqual({
        route: `${method} ${path}`,
        status: 403,
        error: 'forbidden',
        message: '只有管理员可以进行此操作',
      });
    }
    // The guard covers /settings only: the manager's own area still answers.
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    expect((await call(manager, 'GET', `/dashboard?from=${today}&to=${today}`)).status).toBe(200);
    expect((await call(manager, 'PATCH', '/settings/members/boss-east', { roles: ['admin'] })).status).toBe(403);
    expect((await h.admin('GET', '/api/admin/members/boss-east')).body.roles).toEqual(['manager']);
    expect(await auditRows('settings.member')).toEqual([]);
  });

  it('teams: created, edited and deleted under the member’s name; a taken name, bad fields and a team rules route to are refused in Chinese', async () => {
    const created = await call(admin, 'POST', '/settings/teams', { name: '华南组', members: ['rep-b'], followUpHours: 48 });
    expect(created.status).toBe(201);
    const listed = (await call(admin, 'GET', '/settings/teams')).body.items.find((t: any) => t.id === created.body.id);
    expect(listed).toMatchObject({ name: '华南组', followUpHours: 48, members: [{ userId: 'rep-b', name: '销售乙', active: true }] });

    const edited = await call(admin, 'PATCH', `/settings/teams/${created.body.id}`, { members: ['rep-b', 'rep-a'], maxActiveLeads: 50 });
    expect(edited.status).toBe(200);
    expect(edited.body.members.map((m: any) => m.userId)).toEqual(['rep-b', 'rep-a']);

    const taken = await call(admin, 'POST', '/settings/teams', { name: '华东组' });
    expect(taken).toMatchObject({ status: 409, body: { error: 'conflict', message: '已有同名团队，请换一个名称' } });
    const bad = await call(admin, 'POST', '/settings/teams', { name: '', maxActiveLeads: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('validation_failed');
    expect(bad.body.message).toMatch(/^填写的内容有误：.*名称/);
    expect(bad.body.message).toContain('每人在手线索上限');
    expect((await call(admin, 'PATCH', '/settings/teams/99999999', { name: '不存在' })).body.message).toBe('要修改的内容不存在，可能已被他人删除，请刷新后重试');
    expect((await call(admin, 'DELETE', '/settings/teams/abc')).status).toBe(400);

    const rule = await call(admin, 'POST', '/settings/assignment-rules', { name: '华南客户', teamId: created.body.id, conditions: [] });
    const blocked = await call(admin, 'DELETE', `/settings/teams/${created.body.id}`);
    expect(blocked).toMatchObject({ status: 409, body: { message: '仍有分配规则指向该团队，请先修改或删除这些规则', ruleIds: [rule.body.id] } });
    expect((await call(admin, 'DELETE', `/settings/assignment-rules/${rule.body.id}`)).status).toBe(204);
    expect((await call(admin, 'DELETE', `/settings/teams/${created.body.id}`)).status).toBe(204);

    const rows = (await auditRows('settings.team')).filter((r) => r.actorUserId === 'op-sun');
    expect(rows.map((r) => r.purpose)).toEqual(['新建团队「华南组」', '修改团队「华南组」：成员、每人在手线索上限', '删除团队「华南组」']);
    expect(rows[1].detail).toMatchObject({ teamId: created.body.id, before: { maxActiveLeads: 200, members: [{ userId: 'rep-b', active: true }] }, after: { maxActiveLeads: 50 } });
    expect(rows.every((r) => r.leadId === null)).toBe(true);
    // The admin token's own changes are audited too, as `admin` (the team made in beforeAll).
    expect((await auditRows('settings.team')).filter((r) => r.actorUserId === 'admin').map((r) => r.purpose)).toEqual(['新建团队「华东组」']);
  });

  it('assignment rules: a new rule goes last; an edit of team and condition, and a reorder in one request, are audited; a stale order is refused', async () => {
    const teams = (await call(admin, 'GET', '/settings/teams')).body.items;
    const east = teams.find((t: any) => t.name === '华东组');
    const south = (await call(admin, 'POST', '/settings/teams', { name: '华南二组', members: ['rep-b'] })).body;
    const first = (await call(admin, 'POST', '/settings/assignment-rules', { name: '上海客户', teamId: east.id, conditions: [{ field: 'region', op: 'eq', value: '上海' }] })).body;
    const second = (await call(admin, 'POST', '/settings/assignment-rules', { name: '教育行业', teamId: east.id, conditions: [{ field: 'industry', op: 'in', value: ['教育培训', '学校'] }] })).body;
    expect(second.position).toBeGreaterThan(first.position);

    const edited = await call(admin, 'PATCH', `/settings/assignment-rules/${first.id}`, { teamId: south.id, conditions: [{ field: 'region', op: 'in', value: ['上海', '江苏'] }] });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ teamId: south.id, conditions: [{ field: 'region', op: 'in', value: ['上海', '江苏'] }] });
    const badOp = await call(admin, 'PATCH', `/settings/assignment-rules/${first.id}`, { conditions: [{ field: 'region', op: 'in', value: '上海' }] });
    expect(badOp.status).toBe(400);
    expect(badOp.body.message).toContain('“属于”需要多个取值');
    const noTeam = await call(admin, 'PATCH', `/settings/assignment-rules/${first.id}`, { teamId: 99999999 });
    expect(noTeam).toMatchObject({ status: 400, body: { message: '所选的负责团队不存在，请刷新后重选' } });

    const order = (await call(admin, 'GET', '/settings/assignment-rules')).body.items.map((r: any) => r.id);
    expect(order).toEqual([first.id, second.id]);
    const reordered = await call(admin, 'PUT', '/settings/assignment-rules/order', { ids: [second.id, first.id] });
    expect(reordered.status).toBe(200);
    expect(reordered.body.items.map((r: any) => [r.id, r.position])).toEqual([
      [second.id, 10],
      [first.id, 20],
    ]);
    expect((await call(admin, 'GET', '/settings/assignment-rules')).body.items.map((r: any) => r.id)).toEqual([second.id, first.id]);
    // The whole list or nothing: a missing, an unknown or a repeated id changes no position.
    const stale = await call(admin, 'PUT', '/settings/assignment-rules/order', { ids: [first.id] });
    expect(stale).toMatchObject({ status: 409, body: { message: '分配规则已被他人修改，请刷新后重新排序', ids: [second.id, first.id] } });
    expect((await call(admin, 'PUT', '/settings/assignment-rules/order', { ids: [first.id, first.id] })).status).toBe(400);
    expect((await call(admin, 'PUT', '/settings/assignment-rules/order', { ids: ['x'] })).status).toBe(400);
    expect((await h.runtime.ctx.dataSource.getRepository(AssignmentRule).find({ order: { id: 'ASC' } })).map((r) => r.position)).toEqual([20, 10]);

    const defaultTeam = await call(admin, 'PUT', '/settings/assignment', { defaultTeam: '华南二组' });
    expect(defaultTeam).toMatchObject({ status: 200, body: { defaultTeam: '华南二组' } });
    expect((await call(admin, 'PUT', '/settings/assignment', { defaultTeam: 7 })).status).toBe(400);

    const rows = (await auditRows('settings.assignment')).filter((r) => r.actorUserId === 'op-sun').map((r) => r.purpose);
    expect(rows.slice(-5)).toEqual([
      '新建分配规则「上海客户」',
      '新建分配规则「教育行业」',
      '修改分配规则「上海客户」：条件、负责团队',
      '调整分配规则顺序：「教育行业」 → 「上海客户」',
      '未匹配规则的线索改为分给团队「华南二组」',
    ]);
  });

  it('members: roles and managed teams changed under the member’s name; impossible combinations are refused in Chinese', async () => {
    const list = await call(admin, 'GET', '/settings/members?q=销售');
    expect(list.body.items.map((m: any) => m.userId).sort()).toEqual(['rep-a', 'rep-b']);
    const east = (await call(admin, 'GET', '/settings/teams')).body.items.find((t: any) => t.name === '华东组');

    const promoted = await call(admin, 'PATCH', '/settings/members/rep-a', { roles: ['rep', 'manager'], managedTeamIds: [east.id] });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ roles: ['rep', 'manager'], managedTeams: [{ id: east.id, name: '华东组' }] });

    expect((await call(admin, 'PATCH', '/settings/members/rep-b', { managedTeamIds: [east.id] })).body.message).toBe('只有主管可以设置管理的团队');
    expect((await call(admin, 'PATCH', '/settings/members/rep-b', { roles: ['store_staff'] })).body.message).toBe('门店店员需要选择所属门店');
    expect((await call(admin, 'PATCH', '/settings/members/rep-b', { roles: ['boss'] })).status).toBe(400);
    expect((await call(admin, 'PATCH', '/settings/members/nobody-here', { roles: ['rep'] })).status).toBe(404);
    expect((await call(admin, 'PATCH', '/settings/members/bad%20id', { roles: ['rep'] })).status).toBe(400);

    const rows = (await auditRows('settings.member')).filter((r) => r.actorUserId === 'op-sun');
    expect(rows.map((r) => r.purpose)).toEqual(['修改成员 销售甲（rep-a）：角色 销售 → 销售、主管；管理的团队 「华东组」']);
    expect(rows[0].detail).toEqual({ userId: 'rep-a', before: { roles: ['rep'], managedTeamIds: [], storeId: null }, after: { roles: ['rep', 'manager'], managedTeamIds: [east.id], storeId: null } });
  });

  it('scoring: the preview counts, page by page, the leads a proposed rule set would move to another grade; save and reset are audited', async () => {
    const ds = h.runtime.ctx.dataSource;
    // 制造业 15 + 预算 10 万 20 = 35 points: C under the file's rules (B from 40), B when B starts at 30.
    for (let i = 0; i < 3; i++) await makeLead(ds, { attributes: { industry: '制造业', budget: 100000 } });
    for (let i = 0; i < 2; i++) await makeLead(ds, { attributes: { industry: '学生' } });
    const current = (await call(admin, 'GET', '/settings/scoring/rules')).body;
    expect(current.source).toBe('default');
    const proposed = { ...current.rules, thresholds: { ...current.rules.thresholds, gradeB: 30 } };

    const whole = await call(admin, 'POST', '/settings/scoring/preview', { rules: proposed });
    expect(whole.status).toBe(200);
    const leads = await ds.getRepository(Lead).count();
    expect(whole.body).toEqual({ scanned: leads, total: leads, changed: 3, changes: [{ from: 'C', to: 'B', count: 3 }], nextCursor: null });

    // Two at a time: the pages add up to the same answer.
    let cursor: string | undefined;
    let scanned = 0;
    let changed = 0;
    let pages = 0;
    do {
      const page = await call(admin, 'POST', '/settings/scoring/preview', { rules: proposed, limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(pages === 0 ? leads : null);
      scanned += page.body.scanned;
      changed += page.body.changed;
      cursor = page.body.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect([scanned, changed]).toEqual([leads, 3]);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(leads / 2));
    // The same rules change nothing.
    expect((await call(admin, 'POST', '/settings/scoring/preview', { rules: current.rules })).body.changed).toBe(0);

    const badRules = await call(admin, 'POST', '/settings/scoring/preview', { rules: { ...proposed, thresholds: { ...proposed.thresholds, gradeB: 90 } } });
    expect(badRules.status).toBe(400);
    expect(badRules.body.message).toContain('B 级分数线不能高于 A 级');
    expect((await call(admin, 'POST', '/settings/scoring/preview', { rules: proposed, cursor: 'bm90LWEtY3Vyc29y' })).body).toMatchObject({ error: 'bad_request', message: '分页位置无效，请刷新后重试' });
    expect((await call(admin, 'POST', '/settings/scoring/preview', { rules: proposed, limit: 100000 })).status).toBe(400);

    const saved = await call(admin, 'PUT', '/settings/scoring/rules', { ...proposed, behaviours: proposed.behaviours.slice(1) });
    expect(saved).toMatchObject({ status: 200, body: { source: 'override', rules: { thresholds: { gradeB: 30 } } } });
    expect((await call(admin, 'PUT', '/settings/scoring/rules', { ...proposed, extra: 1 })).status).toBe(400);
    const reset = await call(admin, 'DELETE', '/settings/scoring/rules');
    expect(reset.body.source).toBe('default');

    const rows = await auditRows('settings.scoring');
    expect(rows.map((r) => [r.actorUserId, r.purpose])).toEqual([
      ['op-sun', '修改评分规则：删除 1 条、等级阈值'],
      ['op-sun', '恢复默认评分规则：新增 1 条、等级阈值'],
    ]);
    expect(rows[0].detail).toMatchObject({ removed: [current.rules.behaviours[0].id], thresholds: { before: { gradeB: 40 }, after: { gradeB: 30 } } });
  });

  it('pool settings: a change is audited with what changed; bad values are refused', async () => {
    const before = (await call(admin, 'GET', '/settings/pool')).body;
    const channels = await call(admin, 'GET', '/settings/channels');
    expect(channels.status).toBe(200);
    const saved = await call(admin, 'PUT', '/settings/pool', { followUpHours: before.followUpHours + 24, channelOverrides: { '1': { followUpHours: 72 } } });
    expect(saved).toMatchObject({ status: 200, body: { followUpHours: before.followUpHours + 24, channelOverrides: { '1': { followUpHours: 72 } } } });
    const bad = await call(admin, 'PUT', '/settings/pool', { dailyClaimLimit: -1 });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('填写的内容有误：每日领取上限');
    // Saving the same again is no change: no row.
    await call(admin, 'PUT', '/settings/pool', { followUpHours: before.followUpHours + 24 });
    const rows = await auditRows('settings.pool');
    expect(rows.map((r) => [r.actorUserId, r.purpose])).toEqual([['op-sun', '修改公海设置：跟进时限、渠道跟进时限']]);
    expect(rows[0].detail).toMatchObject({ before: { followUpHours: before.followUpHours }, after: { followUpHours: before.followUpHours + 24 } });
  });

  it('a state-changing call needs the CSRF header', async () => {
    const r = await fetch(`${h.url}/api/console/settings/pool`, {
      method: 'PUT',
      headers: headers({ cookie: admin.cookie, 'content-type': 'application/json' }),
      body: JSON.stringify({ followUpHours: 5 }),
    });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: string }).error).toBe('csrf_failed');
  });
});
