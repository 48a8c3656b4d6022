import { AuditLog } from '../src/audit/audit-log.entity';
import type { Lead } from '../src/leads/lead.entity';
import { nurtureTick } from '../src/nurture/nurture-task';
import { makeLead, makeMember, makeTeam } from './support/factories';
import { Harness, startHarness } from './support/harness';
import { signInToConsole } from './support/console-session';

/**
 * The console's 客户培育 API (issue 12 over issue 11): sequences and their funnel for admins and
 * managers (a manager's funnel and enrollment list hold their teams' leads only), writes for
 * admins only and audited under the member's name, Chinese field errors for a bad sequence or
 * budget rule, the budget per customer, and hand exits through the lead policy. A real server,
 * the WeCom simulator over HTTP for the pushes, and a real database; the nurture pass is run by
 * hand at the moments the test picks.
 */
const MINUTE = 60_000;
let h: Harness;
let clock = Date.now();
const ds = () => h.runtime.ctx.dataSource;

interface Session {
  cookie: string;
  csrf: string;
}

/** Signs in through WeCom web login as the console does (the simulator plays WeCom's page). */
async function signIn(userId: string): Promise<Session> {
  const { cookie, csrfToken } = await signInToConsole(h, userId);
  return { cookie, csrf: csrfToken };
}

async function api(session: Session, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(`${h.url}/api/console${path}`, {
    method,
    headers: {
      cookie: session.cookie,
      ...(method === 'GET' ? {} : { 'x-csrf-token': session.csrf }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** A lead that is `owner`'s WeCom customer, in the simulator and in the database. */
async function customerOf(owner: string, name: string): Promise<Lead> {
  const externalUserId = h.sim.state.addExternalContact().external_userid;
  h.sim.state.addFollow(owner, externalUserId);
  return makeLead(ds(), { externalUserId, ownerUserId: owner, source: 'wecom', name });
}

const auditRows = (action: string) => ds().getRepository(AuditLog).find({ where: { action: action as never }, order: { id: 'ASC' } });

const CARE = {
  key: 'console-care',
  name: '新客关怀',
  description: '加好友后的关怀资料',
  triggers: [{ type: 'manual' }],
  steps: [
    { id: 'welcome-pack', name: '关怀资料', delay: { from: 'enrollment' }, action: { type: 'push_content', text: { content: '您好，这是为您准备的入门资料。回复「退订」不再接收。' } } },
    { id: 'call', name: '提醒回访', delay: { from: 'previous_step', days: 2 }, action: { type: 'remind_rep', text: '请回访客户，了解资料是否有帮助。' } },
  ],
};

let admin: Session;
let manager: Session;
let east: Lead[];
let west: Lead;

beforeAll(async () => {
  h = await startHarness({
    simulator: { now: () => clock, tokenTtlSeconds: 30 * 86_400 },
    // The test runs every nurture pass itself, at the time it picks.
    runtime: { runScheduler: false },
  });
  h.runtime.ctx.clock = () => clock;
  await makeMember(h, 'op-admin', { name: '运营甲', roles: ['admin'] });
  await makeMember(h, 'rep-east', { name: '东区销售', roles: ['rep'] });
  await makeMember(h, 'rep-west', { name: '西区销售', roles: ['rep'] });
  const team = await makeTeam(h, { name: '华东组', members: ['rep-east'] });
  await makeMember(h, 'boss-east', { name: '华东主管', roles: ['manager'], managedTeamIds: [team.id] });
  // No quiet hours or one-a-day rule: the pushes go out whenever the test runs the pass.
  expect((await h.admin('PUT', '/api/admin/nurture/budget/settings', { quietHours: null, onePerDay: false })).status).toBe(200);
  admin = await signIn('op-admin');
  manager = await signIn('boss-east');
  east = [await customerOf('rep-east', '东区客户甲'), await customerOf('rep-east', '东区客户乙')];
  west = await customerOf('rep-west', '西区客户');
});
afterAll(async () => h?.close());

describe('console nurture: sequences', () => {
  it('an admin creates a sequence from the editor; the audit row names the member', async () => {
    const created = await api(admin, 'POST', '/nurture/sequences', CARE);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: 'console-care', source: 'database', sequence: { name: '新客关怀', enabled: true } });
    const list = await api(manager, 'GET', '/nurture/sequences');
    expect(list.status).toBe(200);
    expect(list.body.sequences).toEqual([
      expect.objectContaining({ key: 'console-care', name: '新客关怀', description: '加好友后的关怀资料', enabled: true, steps: [expect.objectContaining({ id: 'welcome-pack', action: 'push_content' }), expect.objectContaining({ id: 'call', action: 'remind_rep', delayMinutes: 2 * 24 * 60 })] }),
    ]);
    expect(await auditRows('nurture.sequence')).toEqual([
      expect.objectContaining({ actorUserId: 'op-admin', leadId: null, purpose: '新建培育序列「新客关怀」', detail: { sequenceKey: 'console-care', change: 'create' } }),
    ]);
    // The key is taken: said in Chinese, on the key's field.
    const again = await api(admin, 'POST', '/nurture/sequences', CARE);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'sequence_exists', message: '序列标识「console-care」已被使用，请换一个', fields: [{ path: 'key', label: '序列标识' }] });
  });

  it('a bad definition is a 400 whose fields say, in Chinese, where and what', async () => {
    const bad = {
      ...CARE,
      name: '',
      steps: [
        {
          ...CARE.steps[0],
          action: { type: 'push_content', text: { content: '资料' }, attachments: [{ msgtype: 'link', link: { title: '入门指南', url: 'ftp://example.com/guide' } }] },
        },
        { ...CARE.steps[1], delay: { from: 'previous_step', days: 400 }, action: { type: 'remind_rep', text: '长'.repeat(700) } },
      ],
      exits: { on: ['won'] },
    };
    const r = await api(admin, 'PUT', '/nurture/sequences/console-care', bad);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('validation_failed');
    expect(r.body.message).toMatch(/^培育序列有 \d+ 处需要修改$/);
    const byPath = Object.fromEntries((r.body.fields as Array<{ path: string; label: string; message: string }>).map((f) => [f.path, f]));
    expect(byPath.name).toEqual({ path: 'name', label: '序列名称', message: '不能为空' });
    expect(byPath['steps.0.action.attachments.0.link.url']).toEqual({
      path: 'steps.0.action.attachments.0.link.url',
      label: '第 1 步 · 第 1 个附件 · 链接地址',
      message: '须为 http:// 或 https:// 开头的网址',
    });
    expect(byPath['steps.1.delay.days']).toMatchObject({ label: '第 2 步 · 天数', message: '不能大于 366' });
    expect(byPath['steps.1.action.text']).toMatchObject({ label: '第 2 步 · 提醒内容', message: '最多 2048 字节（一个汉字占 3 字节，约 682 个汉字）' });
    expect(r.body.fields.filter((f: { path: string }) => f.path === 'exits.on')).toEqual([
      { path: 'exits.on', label: '退出原因', message: '必须包含「客户删除员工」' },
      { path: 'exits.on', label: '退出原因', message: '必须包含「序列结束」' },
    ]);
    // Every message is Chinese: no schema English leaks to the page.
    for (const f of r.body.fields) {
      expect(f.message).toMatch(/[\u4e00-\u9fff]/);
      expect(f.message).not.toMatch(/\b(is|must|required|expected|least|most|invalid)\b/i);
    }
    // Nothing was written, and nothing audited.
    expect((await api(admin, 'GET', '/nurture/sequences/console-care')).body.sequence.name).toBe('新客关怀');
    expect(await auditRows('nurture.sequence')).toHaveLength(1);

    const unknownAction = await api(admin, 'PUT', '/nurture/sequences/console-care', { ...CARE, steps: [{ id: 'x', delay: { from: 'enrollment' }, action: { type: 'fax' } }] });
    expect(unknownAction.body.fields).toEqual([
      { path: 'steps.0.action.type', label: '第 1 步 · 动作类型', message: '只能是 推送内容、提醒销售、添加标签、移除标签、调整评分' },
    ]);
    const notJson = await api(admin, 'PUT', '/nurture/sequences/console-care', ['a list']);
    expect(notJson.status).toBe(400);
  });

  it('a manager reads sequences but may not change them; an unknown key is 404 in Chinese', async () => {
    expect((await api(manager, 'GET', '/nurture/sequences/console-care')).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/nurture/sequences', { ...CARE, key: 'by-manager' }],
      ['PUT', '/nurture/sequences/console-care', CARE],
      ['POST', '/nurture/sequences/console-care/disable', undefined],
      ['POST', '/nurture/sequences/console-care/enable', undefined],
    ] as const) {
      const r = await api(manager, method, path, body);
      expect(r.status).toBe(403);
      expect(r.body.message).toBe('只有管理员可以进行此操作');
    }
    expect((await api(manager, 'GET', '/nurture/options')).body.canEdit).toBe(false);
    expect((await api(admin, 'GET', '/nurture/options')).body.canEdit).toBe(true);
    const missing = await api(admin, 'GET', '/nurture/sequences/no-such-sequence/funnel');
    expect(missing).toMatchObject({ status: 404, body: { message: '培育序列不存在' } });
    // A state-changing call without the session's CSRF token is refused.
    const forged = await fetch(`${h.url}/api/console/nurture/sequences/console-care/disable`, { method: 'POST', headers: { cookie: admin.cookie } });
    expect(forged.status).toBe(403);
  });

  it('an admin disables and enables a sequence, each audited under their name', async () => {
    const off = await api(admin, 'POST', '/nurture/sequences/console-care/disable');
    expect(off.status).toBe(200);
    expect(off.body.sequence.enabled).toBe(false);
    expect((await api(manager, 'GET', '/nurture/sequences')).body.sequences[0].enabled).toBe(false);
    const on = await api(admin, 'POST', '/nurture/sequences/console-care/enable');
    expect(on.body.sequence.enabled).toBe(true);
    const rows = await auditRows('nurture.sequence');
    expect(rows.slice(-2).map((r) => [r.actorUserId, r.purpose])).toEqual([
      ['op-admin', '停用培育序列「新客关怀」'],
      ['op-admin', '启用培育序列「新客关怀」'],
    ]);
    // The admin API's changes are audited too, as the admin token.
    expect((await h.admin('POST', '/api/admin/nurture/sequences/console-care/enable')).status).toBe(200);
    expect((await auditRows('nurture.sequence')).at(-1)).toMatchObject({ actorUserId: 'admin', purpose: '启用培育序列「新客关怀」' });
  });
});

describe('console nurture: the funnel, enrollments and the budget', () => {
  beforeAll(async () => {
    for (const lead of [...east, west]) {
      expect((await h.admin('POST', '/api/admin/nurture/enrollments', { leadId: lead.id, sequenceKey: 'console-care' })).status).toBe(201);
    }
    // The first step is due at once: one add_msg_template per sender; both reps confirm; results come back.
    clock += 1_000;
    expect((await nurtureTick(h.runtime.ctx, clock)).pushesSent).toBe(2);
    for (const t of h.sim.state.templates.values()) h.sim.state.confirmGroupMessage(t.msgid, t.sender);
    clock += 2 * MINUTE;
    await nurtureTick(h.runtime.ctx, clock);
  });

  it('the admin’s funnel counts every lead; a manager’s only their teams’', async () => {
    const all = await api(admin, 'GET', '/nurture/sequences/console-care/funnel');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ key: 'console-care', name: '新客关怀', scope: 'all', enrolled: { total: 3, active: 3 } });
    expect(all.body.steps[0].push).toMatchObject({ sent: 3, confirmed: 3, delivered: 3 });
    expect(all.body.steps[1]).toMatchObject({ id: 'call', waiting: 3, ran: 0 });

    const mine = await api(manager, 'GET', '/nurture/sequences/console-care/funnel');
    expect(mine.body).toMatchObject({ scope: 'teams', enrolled: { total: 2, active: 2 } });
    expect(mine.body.steps[0].push).toMatchObject({ sent: 2, confirmed: 2, delivered: 2 });
  });

  it('enrollments are listed with the lead, its owner and Chinese texts, as the policies allow; filters are checked', async () => {
    const all = await api(admin, 'GET', '/nurture/enrollments?sequenceKey=console-care');
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(3);
    expect(all.body.items[0]).toMatchObject({
      leadId: west.id,
      leadName: '西区客户',
      ownerUserId: 'rep-west',
      ownerName: '西区销售',
      sequenceName: '新客关怀',
      status: 'active',
      statusLabel: '培育中',
      reasonText: '管理员手动加入',
      nextStepName: '提醒回访',
    });
    expect(JSON.stringify(all.body)).not.toMatch(/phone/);
    const mine = await api(manager, 'GET', '/nurture/enrollments?status=active');
    expect(mine.body.items.map((e: { leadName: string }) => e.leadName).sort()).toEqual(['东区客户乙', '东区客户甲']);
    const paged = await api(admin, 'GET', '/nurture/enrollments?limit=2');
    expect(paged.body.items).toHaveLength(2);
    expect((await api(admin, 'GET', `/nurture/enrollments?limit=2&cursor=${paged.body.nextCursor}`)).body.items).toHaveLength(1);

    const bad = await api(admin, 'GET', '/nurture/enrollments?status=sleeping');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('筛选条件有误，请检查后重试');
  });

  it('a manager takes their team’s lead out by hand (audited, named); another team’s enrollment does not exist for them', async () => {
    const list = (await api(admin, 'GET', '/nurture/enrollments?sequenceKey=console-care')).body.items as Array<{ id: number; leadId: number }>;
    const westEnrollment = list.find((e) => e.leadId === west.id)!;
    const eastEnrollment = list.find((e) => e.leadId === east[0].id)!;

    const refused = await api(manager, 'POST', `/nurture/enrollments/${westEnrollment.id}/exit`);
    expect(refused).toMatchObject({ status: 404, body: { message: '记录不存在或您无权查看' } });
    expect((await api(manager, 'POST', '/nurture/enrollments/999999/exit')).body.message).toBe('记录不存在或您无权查看');
    expect((await api(manager, 'POST', '/nurture/enrollments/abc/exit')).status).toBe(404);

    const out = await api(manager, 'POST', `/nurture/enrollments/${eastEnrollment.id}/exit`);
    expect(out.status).toBe(200);
    expect(out.body.enrollment).toMatchObject({ id: eastEnrollment.id, status: 'exited', exitReason: 'manual', exitReasonText: '手动退出', leadName: '东区客户甲' });
    expect((await auditRows('nurture.exit')).at(-1)).toMatchObject({ actorUserId: 'boss-east', leadId: east[0].id, purpose: '手动停止培育序列「新客关怀」' });
    const timeline = (await ds().query('SELECT summary FROM timeline_entry WHERE lead_id = ? ORDER BY id', [east[0].id])) as Array<{ summary: string }>;
    expect(timeline.at(-1)!.summary).toContain('华东主管');
    // Twice is a conflict, said in Chinese.
    const twice = await api(admin, 'POST', `/nurture/enrollments/${eastEnrollment.id}/exit`);
    expect(twice).toMatchObject({ status: 409, body: { error: 'not_active' } });
    expect(twice.body.message).toMatch(/已经结束/);
  });

  it('the budget per customer and its rules are the admin’s; a change is audited by name and a bad one answered in Chinese', async () => {
    const view = await api(admin, 'GET', '/nurture/budget');
    expect(view.status).toBe(200);
    expect(view.body.items).toHaveLength(3);
    const westLine = view.body.items.find((i: { leadId: number }) => i.leadId === west.id);
    expect(westLine).toMatchObject({ leadName: '西区客户', month: { used: 1 }, corp: { rule: 'month', used: 1 }, inFlight: 0 });

    for (const [method, path] of [['GET', '/nurture/budget'], ['GET', '/nurture/budget/settings'], ['PUT', '/nurture/budget/settings']] as const) {
      expect((await api(manager, method, path, method === 'PUT' ? { monthlyCap: 1 } : undefined)).status).toBe(403);
    }

    const saved = await api(admin, 'PUT', '/nurture/budget/settings', { monthlyCap: 6, quietHours: { start: '22:00', end: '08:30' } });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ corpRule: 'month', monthlyCap: 6, quietHours: { start: '22:00', end: '08:30' }, onePerDay: false });
    expect((await api(admin, 'GET', '/nurture/budget/settings')).body.monthlyCap).toBe(6);
    expect((await auditRows('nurture.budget')).at(-1)).toMatchObject({
      actorUserId: 'op-admin',
      purpose: '修改培育群发额度规则：每月上限 6 条，免打扰 22:00–08:30',
    });

    const bad = await api(admin, 'PUT', '/nurture/budget/settings', { corpRule: 'year', monthlyCap: 40, quietHours: { start: '25:00', end: '08:00' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('额度规则有 3 处需要修改');
    expect(bad.body.fields).toEqual([
      { path: 'corpRule', label: '企业群发规则', message: '只能是 每月（按当月天数）、每周 7 条、每天 1 条' },
      { path: 'monthlyCap', label: '每月上限', message: '不能大于 31' },
      { path: 'quietHours.start', label: '免打扰开始时间', message: '格式为 时:分，例如 21:00' },
    ]);
    expect((await api(admin, 'GET', '/nurture/budget/settings')).body.monthlyCap).toBe(6);
  });
});
