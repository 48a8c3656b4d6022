import { In } from 'typeorm';
import { silentLogger } from '../src/logger';
import { assignWithinTeam } from '../src/leads/assignment/assign-in-team';
import { Team } from '../src/teams/team.entity';
import { publishEvent } from '../src/events/publish';
import { Lead, LeadStage } from '../src/leads/lead.entity';
import { LeadAssignment } from '../src/leads/lead-assignment.entity';
import { LeadTag } from '../src/leads/lead-tag.entity';
import { poolReleaseTask } from '../src/leads/pool/release-task';
import { TimelineEntry } from '../src/leads/timeline-entry.entity';
import { startRuntime, Runtime } from '../src/runtime';
import { runTaskOnce } from '../src/scheduler/run-task-once';
import { startScheduler } from '../src/scheduler/scheduler';
import { pruneLeasesTask } from '../src/scheduler/prune-leases-task';
import { SchedulerLease } from '../src/scheduler/scheduler-lease.entity';
import type { ScheduledTask } from '../src/scheduler/scheduled-task';
import { eventually, Harness, queuesSettled, startHarness } from './support/harness';
import { signInRep } from './support/factories';

const HOUR = 3600_000;
const REPS = [
  'zhangsan', 'lisi', 'wangwu', 'zhaoliu', 'sunqi', 'zhouba', 'wujiu', 'chenshi',
  'a1', 'a2', 'a3', 'b1', 'b2', 'b3', 'r1', 'r2', 'c1', 'd1', 'e1', 'e2', 'f1', 'f2', 'g1',
];

/** Assignment rules, round-robin with caps, reassign/return, pool release and claims — over HTTP and on the real scheduler lease. */
describe('assignment and the public pool', () => {
  let h: Harness;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    // Slots are fired explicitly (runTaskOnce) so a minute boundary during the run changes nothing.
    h = await startHarness({ simulator: { members: REPS.map((userid) => ({ userid })) }, runtime: { runScheduler: false } });
  });
  afterAll(async () => h.close());

  const ds = () => h.runtime.ctx.dataSource;
  const leadById = (id: number) => ds().getRepository(Lead).findOneByOrFail({ id });
  const timeline = (leadId: number) => ds().getRepository(TimelineEntry).find({ where: { leadId }, order: { id: 'ASC' } });
  const assignments = (leadId: number) => ds().getRepository(LeadAssignment).find({ where: { leadId }, order: { id: 'ASC' } });
  const noticesAbout = (leadId: number) =>
    h.sim.state.appMessages.items.filter((m) => !m.deduplicated && JSON.stringify(m.content).includes(`#${leadId}`));

  let seq = 0;
  /** A lead without a WeCom owner (as a form or import makes it), optionally owned/placed directly. */
  async function seedLead(fields: Partial<Lead> & { tags?: string[] } = {}): Promise<Lead> {
    const { tags = [], ...rest } = fields;
    const now = Date.now();
    seq += 1;
    const repo = ds().getRepository(Lead);
    const lead = repo.create({
      externalUserId: null,
      unionid: null,
      name: `客户${seq}`,
      phone: `1380013${String(seq).padStart(4, '0')}`,
      ownerUserId: null,
      channelId: null,
      source: 'form',
      stage: 'new',
      score: 0,
      attributes: null,
      createdAt: now,
      updatedAt: now,
      lastInteractionAt: now,
      ...rest,
    });
    await repo.insert(lead);
    for (const name of tags) await ds().getRepository(LeadTag).insert({ leadId: lead.id, name, tagId: null, source: 'test', createdAt: now });
    return lead;
  }
  /** Seeds leads and publishes their capture (lead.captured → assignment), all in one transaction. */
  async function assignNew(...seeds: Array<Partial<Lead> & { tags?: string[] }>): Promise<Lead[]> {
    const leads: Lead[] = [];
    for (const seed of seeds) leads.push(await seedLead(seed));
    await ds().transaction(async (m) => {
      for (const lead of leads) {
        await publishEvent(m, {
          name: 'lead.captured',
          key: `lead.captured:test:${lead.id}`,
          occurredAt: Date.now(),
          payload: { leadId: lead.id, leadName: lead.name, created: true, source: 'form', ownerUserId: null, cause: 'test' },
        });
      }
    });
    h.runtime.ctx.kick();
    await queuesSettled(h);
    return Promise.all(leads.map((l) => leadById(l.id)));
  }
  const assignOne = async (seed: Partial<Lead> & { tags?: string[] }) => (await assignNew(seed))[0];

  async function login(userId: string): Promise<string> {
    if (tokens[userId]) return tokens[userId];
    tokens[userId] = await signInRep(h, userId);
    return tokens[userId];
  }
  async function rep(userId: string, method: string, path: string, body?: unknown) {
    const token = await login(userId);
    const response = await fetch(`${h.url}/api/mp${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }
  async function team(name: string, members: string[], extra: Record<string, unknown> = {}) {
    const r = await h.admin('POST', '/api/admin/teams', { name, members, ...extra });
    expect(r.status).toBe(201);
    return r.body;
  }
  async function rule(position: number, name: string, teamId: number, conditions: unknown[], extra: Record<string, unknown> = {}) {
    const r = await h.admin('POST', '/api/admin/assignment-rules', { position, name, teamId, conditions, ...extra });
    expect(r.status).toBe(201);
    return r.body;
  }
  /** Puts leads into the pool directly (as a release would), newest last. */
  async function poolLeads(n: number, fields: Partial<Lead> = {}) {
    const out: Lead[] = [];
    for (let i = 0; i < n; i++) {
      const lead = await seedLead({ inPool: true, poolSince: Date.now() - 1000 + i, ...fields });
      // The history row every way into the pool writes (changeOwner, kind pooled → 'released').
      await ds().getRepository(LeadAssignment).insert({ leadId: lead.id, kind: 'released', fromUserId: null, toUserId: null, teamId: lead.teamId ?? null, reason: '进入公海', createdAt: lead.poolSince! });
      out.push(lead);
    }
    return out;
  }

  describe('teams and rules admin API', () => {
    it('creates, reads, updates teams; validates; names are unique', async () => {
      const created = await team('临时组', ['zhangsan', { userId: 'lisi', active: false }] as never, { maxActiveLeads: 5, followUpHours: 12 });
      expect(created).toMatchObject({
        name: '临时组',
        maxActiveLeads: 5,
        followUpHours: 12,
        dailyClaimLimit: null,
        members: [
          { userId: 'zhangsan', active: true, lastAssignedAt: null },
          { userId: 'lisi', active: false, lastAssignedAt: null },
        ],
      });
      expect((await h.admin('POST', '/api/admin/teams', { name: '临时组' })).status).toBe(409);
      const bad = await h.admin('POST', '/api/admin/teams', { name: '', maxActiveLeads: 0 });
      expect(bad.status).toBe(400);
      expect(bad.body.fields.map((f: any) => f.path)).toEqual(expect.arrayContaining(['name', 'maxActiveLeads']));

      const patched = await h.admin('PATCH', `/api/admin/teams/${created.id}`, { dailyClaimLimit: 3, members: ['lisi', 'wangwu'] });
      expect(patched.status).toBe(200);
      expect(patched.body.dailyClaimLimit).toBe(3);
      expect(patched.body.members.map((m: any) => [m.userId, m.active])).toEqual([['lisi', true], ['wangwu', true]]);
      expect((await h.admin('GET', `/api/admin/teams/${created.id}`)).body.name).toBe('临时组');
      expect((await h.admin('GET', '/api/admin/teams')).body.items.map((t: any) => t.id)).toContain(created.id);
    });

    it('rules need a real team and well-formed conditions; a team with rules cannot be deleted', async () => {
      const t = (await h.admin('GET', '/api/admin/teams')).body.items.find((x: any) => x.name === '临时组');
      expect((await h.admin('POST', '/api/admin/assignment-rules', { position: 1, name: 'x', teamId: 999999, conditions: [] })).status).toBe(400);
      const badOp = await h.admin('POST', '/api/admin/assignment-rules', {
        position: 1,
        name: 'x',
        teamId: t.id,
        conditions: [{ field: 'region', op: 'in', value: '上海' }],
      });
      expect(badOp.status).toBe(400);
      expect(badOp.body.fields[0].path).toBe('conditions.0.value');
      const r = await rule(1, '临时', t.id, [{ field: 'region', op: 'eq', value: '火星' }], { enabled: false });
      const blocked = await h.admin('DELETE', `/api/admin/teams/${t.id}`);
      expect(blocked.status).toBe(409);
      expect(blocked.body.ruleIds).toEqual([r.id]);
      expect((await h.admin('PATCH', `/api/admin/assignment-rules/${r.id}`, { name: '临时2' })).body.name).toBe('临时2');
      expect((await h.admin('DELETE', `/api/admin/assignment-rules/${r.id}`)).status).toBe(204);
      expect((await h.admin('DELETE', `/api/admin/teams/${t.id}`)).status).toBe(204);
      expect((await h.admin('GET', `/api/admin/teams/${t.id}`)).status).toBe(404);
    });
  });

  describe('rules → team → rep', () => {
    const teams: Record<string, any> = {};
    beforeAll(async () => {
      teams.east = await team('华东组', ['zhangsan']);
      teams.edu = await team('教育组', ['lisi']);
      teams.product = await team('产品组', ['wangwu']);
      teams.channel = await team('渠道组', ['zhaoliu']);
      teams.tag = await team('标签组', ['sunqi']);
      teams.source = await team('导入组', ['zhouba']);
      teams.custom = await team('大客户组', ['wujiu']);
      teams.fallback = await team('兜底组', ['chenshi']);
      // A disabled catch-all in front: it must be skipped.
      await rule(1, '停用的兜底', teams.fallback.id, [], { enabled: false });
      await rule(10, '华东教育', teams.east.id, [
        { field: 'region', op: 'in', value: ['上海', '江苏', '浙江'] },
        { field: 'industry', op: 'eq', value: '教育' },
      ]);
      await rule(20, '教育行业', teams.edu.id, [{ field: 'industry', op: 'eq', value: '教育' }]);
      await rule(30, 'CRM 产品线', teams.product.id, [{ field: 'productLine', op: 'contains', value: 'crm' }]);
      await rule(40, '展会渠道', teams.channel.id, [{ field: 'channelId', op: 'eq', value: 4242 }]);
      await rule(50, 'VIP 客户', teams.tag.id, [{ field: 'tag', op: 'in', value: ['VIP', 'SVIP'] }]);
      await rule(60, '批量导入', teams.source.id, [{ field: 'source', op: 'eq', value: 'import' }]);
      await rule(70, '大公司', teams.custom.id, [{ field: 'companySize', op: 'eq', value: '500+' }]);
    });

    it('the first matching rule wins, by position, over every field type', async () => {
      const [east, edu, product, channel, tag, source, custom] = await assignNew(
        { attributes: { region: '上海', industry: '教育' } },
        { attributes: { region: '北京', industry: '教育' } },
        { attributes: { productLine: 'SCRM 企业版' } },
        { channelId: 4242 },
        { tags: ['老客户', 'VIP'] },
        { source: 'import' },
        { attributes: { companySize: '500+' } },
      );
      expect([east, edu, product, channel, tag, source, custom].map((l) => [l.ownerUserId, l.teamId])).toEqual([
        ['zhangsan', teams.east.id],
        ['lisi', teams.edu.id],
        ['wangwu', teams.product.id],
        ['zhaoliu', teams.channel.id],
        ['sunqi', teams.tag.id],
        ['zhouba', teams.source.id],
        ['wujiu', teams.custom.id],
      ]);
      expect(east.assignedAt).toBeGreaterThan(0);
      expect(east.inPool).toBe(false);

      const [row] = await assignments(east.id);
      expect(row).toMatchObject({ kind: 'assigned', toUserId: 'zhangsan', teamId: teams.east.id, reason: '规则「华东教育」→ 团队「华东组」，轮询分配给 zhangsan' });
      const entries = await timeline(east.id);
      expect(entries.find((e) => e.kind === 'lead.assigned')!.summary).toContain('规则「华东教育」→ 团队「华东组」，轮询分配给 zhangsan');
      // The rep hears about it in WeCom, with the lead's number to find it.
      const [notice] = noticesAbout(east.id);
      expect(notice.touser).toEqual(['zhangsan']);
      expect(JSON.stringify(notice.content)).toContain('新线索分配');
      expect(entries.some((e) => e.kind === 'owner.notified')).toBe(true);
    });

    it('no rule matches and no default team → the pool, with the reason on the timeline', async () => {
      const lead = await assignOne({ attributes: { region: '火星' } });
      expect(lead).toMatchObject({ ownerUserId: null, inPool: true });
      expect(lead.poolSince).toBeGreaterThan(0);
      const entry = (await timeline(lead.id)).find((e) => e.kind === 'pool.entered')!;
      expect(entry.summary).toContain('未匹配任何分配规则，且未配置默认团队');
      expect(noticesAbout(lead.id)).toHaveLength(0);
    });

    it('no rule matches → the default team when one is set', async () => {
      const set = await h.admin('PUT', '/api/admin/assignment/settings', { defaultTeam: '兜底组' });
      expect(set.body).toEqual({ defaultTeam: '兜底组' });
      const lead = await assignOne({ attributes: { region: '火星' } });
      expect(lead.ownerUserId).toBe('chenshi');
      expect((await assignments(lead.id))[0].reason).toBe('未匹配规则 → 默认团队「兜底组」，轮询分配给 chenshi');
      await h.admin('PUT', '/api/admin/assignment/settings', { defaultTeam: null });
    });

    it('a lead that got an owner in the meantime (the customer added a rep) is left alone', async () => {
      const lead = await assignOne({ ownerUserId: 'lisi', attributes: { industry: '教育' } });
      expect(lead.ownerUserId).toBe('lisi');
      expect(await assignments(lead.id)).toHaveLength(0);
    });

    it('a new group member without a rep goes through assignment end to end', async () => {
      const g = await team('社群组', ['zhangsan']);
      await rule(80, '社群来源', g.id, [{ field: 'source', op: 'eq', value: 'group' }]);
      const { chatId } = await h.driver.groupCreated({ owner: 'zhangsan', name: '新品体验群', members: ['zhangsan'] });
      const newcomer = 'wmAssignGroupNewcomer0000000001';
      h.sim.state.addExternalContact({ external_userid: newcomer, name: '群新人' });
      await h.driver.membersJoin(chatId, [newcomer], 3);
      await queuesSettled(h);
      const lead = await eventually(() => ds().getRepository(Lead).findOneBy({ externalUserId: newcomer }));
      expect(lead).toMatchObject({ source: 'group', ownerUserId: 'zhangsan', teamId: g.id });
    });
  });

  describe('round-robin with a cap', () => {
    let rr: any;
    beforeAll(async () => {
      rr = await team('轮询组', ['a1', 'a2', 'a3'], { maxActiveLeads: 2 });
      await rule(100, '轮询', rr.id, [{ field: 'tag', op: 'eq', value: '轮询' }]);
    });
    const next = async () => (await assignOne({ tags: ['轮询'] })).ownerUserId;

    it('takes turns, skips a full rep, and sends to the pool when all are full', async () => {
      expect([await next(), await next(), await next()]).toEqual(['a1', 'a2', 'a3']);
      // a1 gets a second lead some other way: at the cap of 2.
      await seedLead({ ownerUserId: 'a1', assignedAt: Date.now() });
      expect(await next()).toBe('a2'); // a1's turn, but a1 is full
      expect(await next()).toBe('a3');
      const pooled = await assignOne({ tags: ['轮询'] });
      expect(pooled).toMatchObject({ ownerUserId: null, inPool: true, teamId: rr.id });
      expect((await timeline(pooled.id)).find((e) => e.kind === 'pool.entered')!.summary).toContain('团队成员的在跟进线索均已达上限（2 条）');
    });

    it('won, lost and merged leads do not count against the cap', async () => {
      const a1Leads = await ds().getRepository(Lead).find({ where: { ownerUserId: 'a1' }, order: { id: 'ASC' } });
      await ds().getRepository(Lead).update({ id: a1Leads[0].id }, { stage: 'won' as LeadStage });
      expect(await next()).toBe('a1');
    });

    it('concurrent assignments never push a rep past the cap', async () => {
      const t = await team('并发组', ['b1', 'b2', 'b3'], { maxActiveLeads: 1 });
      const teamRow = await ds().getRepository(Team).findOneByOrFail({ id: t.id });
      const leads = await Promise.all(Array.from({ length: 8 }, () => seedLead()));
      // All eight at once, as eight job workers (or instances) would run them.
      const outcomes = await Promise.all(
        leads.map((l) => assignWithinTeam(h.runtime.ctx, { leadId: l.id, team: teamRow, via: '并发测试', exclude: [], key: `race:${l.id}` })),
      );
      const owners = outcomes.flatMap((o) => (o.kind === 'assigned' ? [o.userId] : [])).sort();
      expect(owners).toEqual(['b1', 'b2', 'b3']);
      expect(outcomes.filter((o) => o.kind === 'pooled')).toHaveLength(5);
      const held = await ds().getRepository(Lead).countBy({ ownerUserId: In(['b1', 'b2', 'b3']) });
      expect(held).toBe(3);
    });

    it('a rep in two teams, assigned by both at once, still stays under the cap', async () => {
      const [x, y] = [await team('双队A', ['c1', 'c2'], { maxActiveLeads: 1 }), await team('双队B', ['c1', 'c3'], { maxActiveLeads: 1 })];
      const rows = await ds().getRepository(Team).findBy({ id: In([x.id, y.id]) });
      const leads = await Promise.all(Array.from({ length: 10 }, () => seedLead()));
      const outcomes = await Promise.all(
        leads.map((l, i) => assignWithinTeam(h.runtime.ctx, { leadId: l.id, team: rows[i % 2], via: '双队测试', exclude: [], key: `two-teams:${l.id}` })),
      );
      const owners = outcomes.flatMap((o) => (o.kind === 'assigned' ? [o.userId] : [])).sort();
      expect(owners).toEqual(['c1', 'c2', 'c3']);
      expect(await ds().getRepository(Lead).countBy({ ownerUserId: 'c1' })).toBe(1);
    });
  });

  describe('manager reassign and rep return', () => {
    let rt: any;
    beforeAll(async () => {
      rt = await team('退回组', ['r1', 'r2']);
      await rule(120, '退回测试', rt.id, [{ field: 'tag', op: 'eq', value: '退回' }]);
    });

    it('a manager reassigns a lead: history, timeline, both reps told', async () => {
      const lead = await assignOne({ tags: ['退回'] });
      expect(lead.ownerUserId).toBe('r1');
      const r = await h.admin('POST', `/api/admin/leads/${lead.id}/reassign`, { toUserId: 'zhangsan', reason: '客户要求换顾问' });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ id: lead.id, ownerUserId: 'zhangsan', inPool: false });
      expect(r.body.phone).toMatch(/^138\*+\d{4}$/);
      const rows = await assignments(lead.id);
      expect(rows[rows.length - 1]).toMatchObject({ kind: 'reassigned', fromUserId: 'r1', toUserId: 'zhangsan', reason: '管理员改派：客户要求换顾问' });
      expect((await timeline(lead.id)).find((e) => e.kind === 'lead.reassigned')!.summary).toBe('管理员将线索从 r1 改派给 zhangsan，原因：客户要求换顾问');
      await queuesSettled(h);
      const told = noticesAbout(lead.id).filter((m) => JSON.stringify(m.content).includes('改派')).map((m) => m.touser[0]).sort();
      expect(told).toEqual(['r1', 'zhangsan']);

      expect((await h.admin('POST', '/api/admin/leads/99999999/reassign', { toUserId: 'zhangsan', reason: 'x' })).status).toBe(404);
      expect((await h.admin('POST', `/api/admin/leads/${lead.id}/reassign`, { toUserId: 'zhangsan' })).status).toBe(400);
    });

    it('a rep returns a lead with a reason: it is reassigned to someone else in the team', async () => {
      const lead = await assignOne({ tags: ['退回'] });
      const owner = lead.ownerUserId!;
      const other = owner === 'r1' ? 'r2' : 'r1';
      const r = await rep(owner, 'POST', `/leads/${lead.id}/return`, { reason: '客户在外地，无法拜访' });
      expect(r.status).toBe(200);
      expect(r.body.lead.ownerUserId).toBeNull();
      await queuesSettled(h);
      const after = await leadById(lead.id);
      expect(after.ownerUserId).toBe(other);
      const kinds = (await assignments(lead.id)).map((a) => [a.kind, a.fromUserId, a.toUserId]);
      expect(kinds).toEqual([
        ['assigned', null, owner],
        ['returned', owner, null],
        ['assigned', null, other],
      ]);
      const entries = await timeline(lead.id);
      expect(entries.find((e) => e.kind === 'lead.returned')!.summary).toContain(`${owner} 退回了线索，原因：客户在外地，无法拜访`);
      expect(entries.filter((e) => e.kind === 'lead.assigned')).toHaveLength(2);

      // Not theirs any more: the same as a lead that does not exist.
      const again = await rep(owner, 'POST', `/leads/${lead.id}/return`, { reason: '再退一次' });
      expect(again.status).toBe(404);
      expect((await rep(owner, 'POST', '/leads/99999999/return', { reason: 'x' })).status).toBe(404);
      expect((await rep(other, 'POST', `/leads/${lead.id}/return`, {})).status).toBe(400);
    });

    it('a returned lead with nobody else free goes to the pool', async () => {
      const solo = await team('独立组', ['e1']);
      await rule(130, '独立', solo.id, [{ field: 'tag', op: 'eq', value: '独立' }]);
      const lead = await assignOne({ tags: ['独立'] });
      expect(lead.ownerUserId).toBe('e1');
      expect((await rep('e1', 'POST', `/leads/${lead.id}/return`, { reason: '不是我的区域' })).status).toBe(200);
      await queuesSettled(h);
      expect(await leadById(lead.id)).toMatchObject({ ownerUserId: null, inPool: true });
      expect((await timeline(lead.id)).find((e) => e.kind === 'pool.entered')!.summary).toContain('除退回人外没有其他成员');
    });
  });

  describe('release to the pool', () => {
    const ago = (hours: number) => Date.now() - hours * HOUR;
    let slot = Date.UTC(2030, 0, 1, 0, 0);
    const fire = (ctx = h.runtime.ctx) => runTaskOnce(ctx, poolReleaseTask, (slot += 60_000));

    it('releases leads not followed up in time, honouring team and channel overrides', async () => {
      const quick = await team('快速组', ['c1'], { followUpHours: 2 });
      expect((await h.admin('PUT', '/api/admin/pool/settings', { channelOverrides: { '7001': { followUpHours: 1 } } })).body).toMatchObject({
        followUpHours: 24,
        dailyClaimLimit: 20,
        maxHeldLeads: 100,
        channelOverrides: { '7001': { followUpHours: 1 } },
      });
      const overdue = await seedLead({ ownerUserId: 'd1', assignedAt: ago(25) });
      const followedUp = await seedLead({ ownerUserId: 'd1', assignedAt: ago(30), lastFollowUpAt: ago(29) });
      const followedBefore = await seedLead({ ownerUserId: 'd1', assignedAt: ago(30), lastFollowUpAt: ago(40) });
      const notYet = await seedLead({ ownerUserId: 'd1', assignedAt: ago(23) });
      const teamOverdue = await seedLead({ ownerUserId: 'c1', teamId: quick.id, assignedAt: ago(3) });
      const teamNotYet = await seedLead({ ownerUserId: 'c1', teamId: quick.id, assignedAt: ago(1) });
      const channelOverdue = await seedLead({ ownerUserId: 'd1', channelId: 7001, assignedAt: ago(2) });
      const won = await seedLead({ ownerUserId: 'd1', stage: 'won', assignedAt: ago(48) });

      expect(await fire()).toBe('ran');
      const state = async (l: Lead) => {
        const x = await leadById(l.id);
        return [x.ownerUserId, x.inPool];
      };
      expect(await state(overdue)).toEqual([null, true]);
      expect(await state(followedBefore)).toEqual([null, true]); // the follow-up was for the previous owner
      expect(await state(teamOverdue)).toEqual([null, true]);
      expect(await state(channelOverdue)).toEqual([null, true]);
      expect(await state(followedUp)).toEqual(['d1', false]);
      expect(await state(notYet)).toEqual(['d1', false]);
      expect(await state(teamNotYet)).toEqual(['c1', false]);
      expect(await state(won)).toEqual(['d1', false]);

      const [row] = await assignments(overdue.id);
      expect(row).toMatchObject({ kind: 'released', fromUserId: 'd1', toUserId: null, reason: '超过 24 小时未跟进，释放到公海' });
      expect((await timeline(teamOverdue.id)).find((e) => e.kind === 'pool.released')!.summary).toBe('c1 超过 2 小时未跟进，线索已释放到公海');
      await queuesSettled(h);
      const [notice] = noticesAbout(overdue.id);
      expect(notice.touser).toEqual(['d1']);
      expect(JSON.stringify(notice.content)).toContain('已释放到公海');
      expect(noticesAbout(followedUp.id)).toHaveLength(0);

      // The next slot finds nothing more to do.
      const before = await ds().getRepository(LeadAssignment).countBy({ kind: 'released' });
      expect(await fire()).toBe('ran');
      expect(await ds().getRepository(LeadAssignment).countBy({ kind: 'released' })).toBe(before);
      await h.admin('PUT', '/api/admin/pool/settings', { channelOverrides: {} });
    });

    it('one slot fired by two instances on one database: one run, one release and one notice per lead', async () => {
      const second: Runtime = await startRuntime({ ...h.config, port: 0 }, { logger: silentLogger, serveHttp: false, runWorkers: false, runScheduler: false });
      try {
        const leads = [
          await seedLead({ ownerUserId: 'd1', assignedAt: ago(26) }),
          await seedLead({ ownerUserId: 'd1', assignedAt: ago(27) }),
          await seedLead({ ownerUserId: 'c1', assignedAt: ago(28) }),
        ];
        const slotAt = (slot += 60_000);
        const outcomes = await Promise.all([runTaskOnce(h.runtime.ctx, poolReleaseTask, slotAt), runTaskOnce(second.ctx, poolReleaseTask, slotAt)]);
        expect([...outcomes].sort()).toEqual(['ran', 'skipped']);
        const leases = await ds().getRepository(SchedulerLease).findBy({ name: 'pool.release', slot: new Date(slotAt).toISOString() });
        expect(leases).toHaveLength(1);
        await queuesSettled(h);
        for (const lead of leads) {
          expect((await leadById(lead.id)).inPool).toBe(true);
          expect((await assignments(lead.id)).filter((a) => a.kind === 'released')).toHaveLength(1);
          expect((await timeline(lead.id)).filter((e) => e.kind === 'pool.released')).toHaveLength(1);
          expect(noticesAbout(lead.id)).toHaveLength(1);
        }
      } finally {
        await second.stop();
      }
    });

    it('a follow-up that lands first wins over the release', async () => {
      const lead = await seedLead({ ownerUserId: 'd1', assignedAt: ago(25) });
      await ds().getRepository(Lead).update({ id: lead.id }, { lastFollowUpAt: Date.now() });
      await fire();
      expect(await leadById(lead.id)).toMatchObject({ ownerUserId: 'd1', inPool: false });
    });
  });

  describe('claiming from the pool', () => {
    it('lists the pool with masked phones and keyset pages', async () => {
      await poolLeads(3);
      const first = await rep('e1', 'GET', '/leads?scope=pool&limit=2');
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(2);
      expect(first.body.items[0].phone).toMatch(/^138\*+\d{4}$/);
      expect(first.body.items.every((i: any) => i.inPool && i.ownerUserId === null)).toBe(true);
      const second = await rep('e1', 'GET', `/leads?scope=pool&limit=2&cursor=${first.body.nextCursor}`);
      const ids = [...first.body.items, ...second.body.items].map((i: any) => i.id);
      expect(new Set(ids).size).toBe(ids.length);
      // Hottest first (then newest): the mini-program's default order.
      const scores = [...first.body.items, ...second.body.items].map((i: any) => i.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect((await rep('e1', 'GET', '/leads?scope=pool&cursor=bogus')).status).toBe(400);
    });

    it('two reps claiming the same lead at once: exactly one 200, the other 409 already_claimed', async () => {
      const leads = await poolLeads(5);
      for (const lead of leads) {
        const [x, y] = await Promise.all([rep('e1', 'POST', `/leads/${lead.id}/claim`), rep('e2', 'POST', `/leads/${lead.id}/claim`)]);
        const statuses = [x.status, y.status].sort();
        expect(statuses).toEqual([200, 409]);
        const winner = x.status === 200 ? x : y;
        const loser = x.status === 200 ? y : x;
        expect(loser.body.error).toBe('already_claimed');
        expect(loser.body.message).toBe('该线索已被其他同事认领');
        const after = await leadById(lead.id);
        expect(after).toMatchObject({ ownerUserId: winner.body.lead.ownerUserId, inPool: false, poolSince: null });
        expect(after.assignedAt).toBeGreaterThan(0);
        expect((await assignments(lead.id)).filter((a) => a.kind === 'claimed')).toHaveLength(1);
        expect((await timeline(lead.id)).filter((e) => e.kind === 'pool.claimed')).toHaveLength(1);
      }
      // A repeated claim by the winner is answered the same; someone else's lead is 409; unknown is 404.
      const lead = await leadById(leads[0].id);
      expect((await rep(lead.ownerUserId!, 'POST', `/leads/${lead.id}/claim`)).status).toBe(200);
      expect((await rep('g1', 'POST', `/leads/${lead.id}/claim`)).status).toBe(409);
      expect((await rep('g1', 'POST', '/leads/99999999/claim')).status).toBe(404);
    });

    it('the daily claim limit: global, and a team override', async () => {
      await h.admin('PUT', '/api/admin/pool/settings', { dailyClaimLimit: 2 });
      const leads = await poolLeads(4);
      expect((await rep('f1', 'POST', `/leads/${leads[0].id}/claim`)).status).toBe(200);
      expect((await rep('f1', 'POST', `/leads/${leads[1].id}/claim`)).status).toBe(200);
      const third = await rep('f1', 'POST', `/leads/${leads[2].id}/claim`);
      expect(third.status).toBe(429);
      expect(third.body).toMatchObject({ error: 'daily_claim_limit_reached', limit: 2, claimedToday: 2 });
      expect(third.body.message).toContain('今日认领已达上限');
      expect((await leadById(leads[2].id)).inPool).toBe(true);

      await team('限领组', ['f2'], { dailyClaimLimit: 1 });
      expect((await rep('f2', 'POST', `/leads/${leads[2].id}/claim`)).status).toBe(200);
      expect((await rep('f2', 'POST', `/leads/${leads[3].id}/claim`)).body.error).toBe('daily_claim_limit_reached');
      await h.admin('PUT', '/api/admin/pool/settings', { dailyClaimLimit: 20 });
    });

    it('the cap on held leads', async () => {
      await h.admin('PUT', '/api/admin/pool/settings', { maxHeldLeads: 2 });
      await seedLead({ ownerUserId: 'g1', assignedAt: Date.now() });
      await seedLead({ ownerUserId: 'g1', assignedAt: Date.now(), stage: 'lost' }); // closed: not held
      const [a, b] = await poolLeads(2);
      expect((await rep('g1', 'POST', `/leads/${a.id}/claim`)).status).toBe(200);
      const r = await rep('g1', 'POST', `/leads/${b.id}/claim`);
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ error: 'held_limit_reached', limit: 2, held: 2 });
      expect(r.body.message).toContain('在跟进线索已达上限');
      await h.admin('PUT', '/api/admin/pool/settings', { maxHeldLeads: 100 });
      expect((await h.admin('GET', '/api/admin/pool/settings')).body.maxHeldLeads).toBe(100);
    });

    it('one rep claiming several leads at once (double taps, two devices) cannot pass a cap', async () => {
      await h.admin('PUT', '/api/admin/pool/settings', { maxHeldLeads: 2 });
      await seedLead({ ownerUserId: 'k1', assignedAt: Date.now() });
      const leads = await poolLeads(6);
      await Promise.all([login('k1'), login('k2')]);
      const held = await Promise.all(leads.map((l) => rep('k1', 'POST', `/leads/${l.id}/claim`)));
      expect(held.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
      expect(held.filter((r) => r.status === 409).every((r) => r.body.error === 'held_limit_reached')).toBe(true);
      expect(await ds().getRepository(Lead).countBy({ ownerUserId: 'k1' })).toBe(2);

      await h.admin('PUT', '/api/admin/pool/settings', { maxHeldLeads: 100, dailyClaimLimit: 2 });
      const more = await poolLeads(6);
      const daily = await Promise.all(more.map((l) => rep('k2', 'POST', `/leads/${l.id}/claim`)));
      expect(daily.map((r) => r.status).sort()).toEqual([200, 200, 429, 429, 429, 429]);
      expect(await ds().getRepository(Lead).countBy({ ownerUserId: 'k2' })).toBe(2);
      await h.admin('PUT', '/api/admin/pool/settings', { dailyClaimLimit: 20 });
    });

    it('validates pool settings', async () => {
      const r = await h.admin('PUT', '/api/admin/pool/settings', { followUpHours: 0, channelOverrides: { abc: { followUpHours: 2 } } });
      expect(r.status).toBe(400);
      expect(r.body.fields.map((f: any) => f.path)).toEqual(expect.arrayContaining(['followUpHours']));
    });
  });

  describe('the scheduler', () => {
    it('fires each slot once across two instances, through the database lease', async () => {
      const second: Runtime = await startRuntime({ ...h.config, port: 0 }, { logger: silentLogger, serveHttp: false, runWorkers: false, runScheduler: false });
      const runs: Array<{ slot: number; by: string }> = [];
      const task: ScheduledTask = {
        name: 'test.every-second',
        cron: '* * * * * *',
        async run(ctx, slot) {
          runs.push({ slot, by: ctx.workerId });
        },
      };
      const schedulers = [startScheduler(h.runtime.ctx, [task]), startScheduler(second.ctx, [task])];
      try {
        await eventually(() => new Set(runs.map((r) => r.slot)).size >= 2, 10_000);
      } finally {
        await Promise.all(schedulers.map((s) => s.stop()));
        await second.stop();
      }
      const slots = runs.map((r) => r.slot);
      expect(new Set(slots).size).toBe(slots.length);
      expect(slots.every((s) => s % 1000 === 0)).toBe(true);
      const leases = await ds().getRepository(SchedulerLease).findBy({ name: 'test.every-second' });
      expect(leases.map((l) => Date.parse(l.slot)).sort()).toEqual(expect.arrayContaining([...slots].sort()));
    });

    it('prunes lease rows older than a week', async () => {
      const repo = ds().getRepository(SchedulerLease);
      await repo.insert({ name: 'pool.release', slot: '2000-01-01T00:00:00.000Z', owner: 'old', acquiredAt: Date.now() - 8 * 24 * HOUR });
      await repo.insert({ name: 'pool.release', slot: '2000-01-02T00:00:00.000Z', owner: 'recent', acquiredAt: Date.now() - 24 * HOUR });
      expect(await runTaskOnce(h.runtime.ctx, pruneLeasesTask, Date.UTC(2031, 0, 1))).toBe('ran');
      expect((await repo.findBy({ owner: 'old' })).length).toBe(0);
      expect((await repo.findBy({ owner: 'recent' })).length).toBe(1);
    });
  });
});
