import { In } from 'typeorm';
import { Lead, LeadQualification } from '../src/leads/lead.entity';
import { LeadActivity } from '../src/leads/lead-activity.entity';
import { TimelineEntry } from '../src/leads/timeline-entry.entity';
import { computeScore, ScoringActivity } from '../src/leads/scoring/compute-score';
import { DAY_MS } from '../src/util/time';
import { rescoreAll, RescoreProgress } from '../src/leads/scoring/rescore-all';
import { defaultScoringRules } from '../src/leads/scoring/rules';
import { scoringRulesSchema } from '../src/leads/scoring/rules-schema';
import { scheduledTasks } from '../src/scheduler/tasks';
import { Harness, queuesSettled, startHarness } from './support/harness';

const T0 = Date.UTC(2026, 2, 1, 2, 0, 0);
const HOUR = 3600_000;

const unitRules = scoringRulesSchema.parse({
  attributes: [
    { id: 'attr.industry.education', field: 'industry', values: ['教育培训', 'education'], points: 15, reason: '目标行业：教育培训' },
    { id: 'attr.industry.student', field: 'industry', values: ['学生'], points: -10, reason: '学生，非目标客户' },
    { id: 'attr.size.mid', field: 'companySize', min: 100, max: 500, points: 8, reason: '企业规模 100–499 人' },
    { id: 'attr.region.shanghai', field: 'region', values: ['上海'], points: 5, reason: '重点区域：上海' },
    { id: 'attr.budget.high', field: 'budget', min: 100000, points: 20, reason: '预算 10 万元及以上' },
    { id: 'attr.custom.decision_maker', field: 'isDecisionMaker', values: [true], points: 10, reason: '联系人是决策人' },
  ],
  behaviours: [
    { id: 'b.channel', kind: 'channel', points: 10, cap: 10, reason: '扫描渠道活码添加' },
    { id: 'b.channel.expo', kind: 'channel', values: ['7'], points: 5, reason: '来自上海展会渠道' },
    { id: 'b.group_join', kind: 'group_join', points: 5, cap: 10, reason: '加入客户群' },
    { id: 'b.intent.price', kind: 'intent_keyword', values: ['报价', '多少钱'], points: 15, cap: 30, reason: '询问价格' },
    { id: 'b.customer_reply', kind: 'customer_reply', points: 2, cap: 10, reason: '客户主动回复' },
    { id: 'b.follow_up.meeting', kind: 'follow_up_outcome', values: ['meeting_booked'], points: 15, reason: '跟进结果：已约见' },
    { id: 'b.follow_up.no', kind: 'follow_up_outcome', values: ['not_interested'], points: -20, reason: '跟进结果：无意向' },
    { id: 'b.page.pricing', kind: 'page_view', values: ['/pricing'], match: 'prefix', points: 8, cap: 16, reason: '浏览价格页' },
    { id: 'b.content.whitepaper', kind: 'content_view', values: ['whitepaper'], match: 'contains', points: 5, reason: '阅读白皮书' },
  ],
  decay: { afterDays: 30, everyDays: 30, factor: 0.5 },
  thresholds: { gradeA: 70, gradeB: 40, mql: 40, sql: 70, hot: 80 },
});

const act = (kind: string, value: string | null = null, occurredAt = T0): ScoringActivity => ({ kind, value, occurredAt });
function score(
  attributes: Record<string, string | number | boolean> | null,
  activities: ScoringActivity[] = [],
  opts: { now?: number; qualification?: LeadQualification; lastInteractionAt?: number | null } = {},
) {
  const lead = { attributes, qualification: opts.qualification ?? ('none' as const), lastInteractionAt: opts.lastInteractionAt ?? T0, createdAt: T0 };
  const result = computeScore(lead, activities, unitRules, opts.now ?? T0 + HOUR);
  // The breakdown always explains the whole score.
  expect(result.breakdown.reduce((s, i) => s + i.points, 0)).toBe(result.score);
  return result;
}
const pointsOf = (r: ReturnType<typeof score>) => Object.fromEntries(r.breakdown.map((i) => [i.rule, i.points]));

describe('computeScore', () => {
  it('attribute rules: value lists (case-insensitive), numeric ranges, any custom field', () => {
    const r = score({ industry: 'Education', companySize: '250', region: '上海', budget: 200000, isDecisionMaker: true, note: 'x' });
    expect(pointsOf(r)).toEqual({
      'attr.industry.education': 15,
      'attr.size.mid': 8,
      'attr.region.shanghai': 5,
      'attr.budget.high': 20,
      'attr.custom.decision_maker': 10,
    });
    expect(r.score).toBe(58);
    expect(r.breakdown.find((i) => i.rule === 'attr.budget.high')?.reason).toBe('预算 10 万元及以上');
    // Range: min inclusive, max exclusive; non-numbers never match a range.
    expect(pointsOf(score({ companySize: 100 }))).toEqual({ 'attr.size.mid': 8 });
    expect(pointsOf(score({ companySize: 500 }))).toEqual({});
    expect(pointsOf(score({ companySize: '很多', budget: '99999', isDecisionMaker: false, region: '北京' }))).toEqual({});
    expect(score(null).score).toBe(0);
  });

  it('channel: points per occurrence with a cap, and a rule for one channel on top', () => {
    const r = score(null, [act('channel', '7'), act('channel', '3')]);
    expect(pointsOf(r)).toEqual({ 'b.channel': 10, 'b.channel.expo': 5 });
    expect(r.breakdown[0].reason).toBe('扫描渠道活码添加 ×2（封顶 10 分）');
  });

  it('group_join: capped', () => {
    const r = score(null, [act('group_join', 'wrA'), act('group_join', 'wrB'), act('group_join', 'wrC')]);
    expect(pointsOf(r)).toEqual({ 'b.group_join': 10 });
  });

  it('intent_keyword: only the listed keywords count, capped', () => {
    expect(pointsOf(score(null, [act('intent_keyword', '报价'), act('intent_keyword', '你好')]))).toEqual({ 'b.intent.price': 15 });
    expect(pointsOf(score(null, [act('intent_keyword', '报价'), act('intent_keyword', '多少钱'), act('intent_keyword', '报价')]))).toEqual({ 'b.intent.price': 30 });
  });

  it('customer_reply: points per reply', () => {
    expect(pointsOf(score(null, [act('customer_reply'), act('customer_reply'), act('customer_reply')]))).toEqual({ 'b.customer_reply': 6 });
  });

  it('follow_up_outcome: positive and negative outcomes', () => {
    const r = score({ industry: '教育培训' }, [act('follow_up_outcome', 'meeting_booked'), act('follow_up_outcome', 'not_interested'), act('follow_up_outcome', 'no_answer')]);
    expect(pointsOf(r)).toEqual({ 'attr.industry.education': 15, 'b.follow_up.meeting': 15, 'b.follow_up.no': -20 });
    expect(r.score).toBe(10);
  });

  it('page_view (prefix) and content_view (contains) events', () => {
    const r = score(null, [act('page_view', '/pricing/enterprise'), act('page_view', '/about'), act('page_view', '/PRICING'), act('page_view', '/pricing'), act('content_view', 'k12-whitepaper-2026')]);
    expect(pointsOf(r)).toEqual({ 'b.page.pricing': 16, 'b.content.whitepaper': 5 });
  });

  it('clamps to 0..100 and says so in the breakdown', () => {
    const high = score({ industry: '教育培训', companySize: 200, region: '上海', budget: 500000, isDecisionMaker: true }, [
      act('channel', '7'),
      act('intent_keyword', '报价'),
      act('intent_keyword', '报价'),
      act('follow_up_outcome', 'meeting_booked'),
      act('page_view', '/pricing'),
      act('page_view', '/pricing'),
    ]);
    expect(high.score).toBe(100);
    expect(high.breakdown.at(-1)).toEqual({ rule: 'clamp', points: -(58 + 15 + 30 + 15 + 16 - 100), reason: '总分上限 100 分' });
    const low = score({ industry: '学生' }, [act('follow_up_outcome', 'not_interested')]);
    expect(low.score).toBe(0);
    expect(low.breakdown.at(-1)).toEqual({ rule: 'clamp', points: 30, reason: '总分最低 0 分' });
  });

  describe('decay of behaviour points without interaction', () => {
    const activities = [act('intent_keyword', '报价'), act('customer_reply'), act('customer_reply'), act('page_view', '/pricing'), act('page_view', '/pricing')];
    // Behaviour 15 + 4 + 16 = 35 (rounds visibly), attribute 15.
    const at = (days: number) => score({ industry: '教育培训' }, activities, { now: T0 + days * DAY_MS });

    it('29 days idle: nothing fades', () => {
      expect(at(29).score).toBe(50);
      expect(pointsOf(at(29)).decay).toBeUndefined();
    });
    it('31 days idle: behaviour points halve, attribute points stay', () => {
      const r = at(31);
      expect(r.breakdown.find((i) => i.rule === 'decay')).toEqual({ rule: 'decay', points: -18, reason: '31 天无互动，行为分衰减至 50%' });
      expect(r.score).toBe(15 + 35 - 18);
      expect(pointsOf(r)['attr.industry.education']).toBe(15);
    });
    it('61 days idle: a quarter is left', () => {
      const r = at(61);
      expect(pointsOf(r).decay).toBe(-26);
      expect(r.score).toBe(15 + 35 - 26);
      expect(r.breakdown.find((i) => i.rule === 'decay')?.reason).toBe('61 天无互动，行为分衰减至 25%');
    });
    it('the latest interaction restarts the clock; negative behaviour never fades', () => {
      expect(score({ industry: '教育培训' }, [...activities, act('customer_reply', null, T0 + 20 * DAY_MS)], { now: T0 + 45 * DAY_MS }).score).toBe(15 + 37);
      expect(score({ industry: '教育培训' }, activities, { now: T0 + 45 * DAY_MS, lastInteractionAt: T0 + 40 * DAY_MS }).score).toBe(50);
      const negative = score({ industry: '教育培训', budget: 100000 }, [act('follow_up_outcome', 'not_interested')], { now: T0 + 90 * DAY_MS });
      expect(negative.score).toBe(15);
      expect(pointsOf(negative).decay).toBeUndefined();
    });
  });

  it('grades from thresholds; MQL and SQL only move up', () => {
    const withScore = (n: number, qualification: LeadQualification = 'none') => {
      // customer_reply ×k (uncapped through a copy of the rules) gives any score we want.
      const rules = { ...unitRules, behaviours: [{ id: 'b.n', kind: 'n', match: 'exact' as const, points: 1, reason: 'n' }] };
      return computeScore({ attributes: null, qualification, lastInteractionAt: T0, createdAt: T0 }, Array.from({ length: n }, () => act('n')), rules, T0);
    };
    expect([withScore(39).grade, withScore(39).qualification]).toEqual(['C', 'none']);
    expect([withScore(40).grade, withScore(40).qualification]).toEqual(['B', 'mql']);
    expect([withScore(69).grade, withScore(69).qualification]).toEqual(['B', 'mql']);
    expect([withScore(70).grade, withScore(70).qualification]).toEqual(['A', 'sql']);
    expect(withScore(10, 'sql')).toMatchObject({ grade: 'C', qualification: 'sql' });
    expect(withScore(50, 'sql').qualification).toBe('sql');
    expect(withScore(75, 'mql').qualification).toBe('sql');
  });

  it('the default rules in config/scoring.json are valid', () => {
    const rules = defaultScoringRules();
    expect(rules.thresholds.hot).toBe(80);
    const kinds = new Set(rules.behaviours.map((b) => b.kind));
    for (const kind of ['channel', 'group_join', 'intent_keyword', 'customer_reply', 'follow_up_outcome', 'page_view', 'content_view']) expect(kinds).toContain(kind);
    const r = computeScore({ attributes: { industry: '教育培训', budget: 150000 }, qualification: 'none', lastInteractionAt: T0, createdAt: T0 }, [act('intent_keyword', 'price')], rules, T0);
    expect(r.score).toBe(15 + 20 + 15);
  });
});

describe('scoring through the service', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { members: [{ userid: 'zhangsan' }, { userid: 'lisi' }] } });
  });
  afterAll(async () => h.close());

  const repo = () => h.runtime.ctx.dataSource.getRepository(Lead);
  const detail = async (id: number) => (await h.admin('GET', `/api/admin/leads/${id}`)).body;
  const post = async (id: number, body: unknown) => {
    const r = await h.admin('POST', `/api/admin/leads/${id}/events`, body);
    expect(r.status).toBe(202);
    return r;
  };
  const hotNotices = (leadId: number) =>
    h.sim
      .successfulCalls('message/send')
      .map((c) => c.body as any)
      .filter((b) => b.text?.content.includes('高意向') && b.text.content.includes(`#${leadId}）`));
  const deliveredHot = (leadId: number) =>
    h.sim.state.appMessages.items.filter((m) => !m.deduplicated && JSON.stringify(m.content).includes(`#${leadId}）`) && JSON.stringify(m.content).includes('高意向'));

  const serviceRules = {
    attributes: [
      { id: 'attr.industry.education', field: 'industry', values: ['教育培训'], points: 30, reason: '目标行业：教育培训' },
      { id: 'attr.budget.high', field: 'budget', min: 100000, points: 20, reason: '预算 10 万元及以上' },
    ],
    behaviours: [
      { id: 'b.page.pricing', kind: 'page_view', values: ['/pricing'], match: 'prefix', points: 10, reason: '浏览价格页' },
      { id: 'b.content', kind: 'content_view', points: 5, cap: 10, reason: '阅读内容' },
      { id: 'b.follow_up.no', kind: 'follow_up_outcome', values: ['not_interested'], points: -40, reason: '跟进结果：无意向' },
    ],
    decay: { afterDays: 30, everyDays: 30, factor: 0.5 },
    thresholds: { gradeA: 70, gradeB: 40, mql: 40, sql: 70, hot: 80 },
  };

  let leadId: number;

  it('serves the default rules, rejects invalid ones with field messages, stores an override', async () => {
    const initial = await h.admin('GET', '/api/admin/scoring/rules');
    expect(initial.status).toBe(200);
    expect(initial.body).toMatchObject({ source: 'default', updatedAt: null, rules: { thresholds: { hot: 80 } } });

    const bad = await h.admin('PUT', '/api/admin/scoring/rules', {
      ...serviceRules,
      behaviours: [{ ...serviceRules.behaviours[0], points: 1.5 }, { ...serviceRules.behaviours[1], cap: 0 }],
      thresholds: { ...serviceRules.thresholds, gradeB: 90 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f: any) => f.path)).toEqual(expect.arrayContaining(['behaviours.0.points', 'behaviours.1.cap', 'thresholds.gradeB']));
    const duplicate = await h.admin('PUT', '/api/admin/scoring/rules', { ...serviceRules, behaviours: [serviceRules.behaviours[0], { ...serviceRules.behaviours[1], id: 'b.page.pricing' }] });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.fields).toEqual([{ path: 'behaviours.1.id', message: 'duplicate or reserved rule id "b.page.pricing"' }]);
    expect((await h.admin('GET', '/api/admin/scoring/rules')).body.source).toBe('default');

    const put = await h.admin('PUT', '/api/admin/scoring/rules', serviceRules);
    expect(put.status).toBe(200);
    expect(put.body.source).toBe('override');
    const after = await h.admin('GET', '/api/admin/scoring/rules');
    expect(after.body).toMatchObject({ source: 'override', rules: { behaviours: [{ id: 'b.page.pricing', points: 10 }, {}, {}] } });
  });

  it('events posted through the API change the score, with the breakdown in the lead detail', async () => {
    const { externalUserId } = await h.driver.customerAddsRep({ userId: 'zhangsan', customer: { name: '王老师' } });
    await queuesSettled(h);
    leadId = (await repo().findOneByOrFail({ externalUserId })).id;

    expect((await post(leadId, { kind: 'page_view', value: '/pricing/k12', eventId: 'web-1' })).body).toMatchObject({ accepted: true, leadId, kind: 'page_view' });
    // The same event id again is the same event.
    await post(leadId, { kind: 'page_view', value: '/pricing/k12', eventId: 'web-1' });
    await post(leadId, { kind: 'content_view', value: 'whitepaper-k12', occurredAt: new Date(Date.now() - 60_000).toISOString() });
    await queuesSettled(h);
    const d = await detail(leadId);
    expect(d).toMatchObject({ score: 15, grade: 'C', qualification: 'none' });
    expect(d.scoreBreakdown).toEqual([
      { rule: 'b.page.pricing', points: 10, reason: '浏览价格页' },
      { rule: 'b.content', points: 5, reason: '阅读内容' },
    ]);
    expect(d.scoredAt).toBeTruthy();
  });

  it('attributes merge into the lead and re-score it; grade and qualification changes reach the timeline', async () => {
    const r = await h.admin('PATCH', `/api/admin/leads/${leadId}/attributes`, { industry: '教育培训', region: '上海', tier: 'vip' });
    expect(r.status).toBe(200);
    expect(r.body.attributes).toEqual({ industry: '教育培训', region: '上海', tier: 'vip' });
    await queuesSettled(h);
    const d = await detail(leadId);
    expect(d).toMatchObject({ score: 45, grade: 'B', qualification: 'mql', attributes: { industry: '教育培训', tier: 'vip' } });
    expect(d.scoreBreakdown[0]).toEqual({ rule: 'attr.industry.education', points: 30, reason: '目标行业：教育培训' });
    const kinds = d.timeline.map((e: any) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['lead.attributes_updated', 'score.grade_changed', 'score.qualified']));
    expect(d.timeline.find((e: any) => e.kind === 'score.qualified').summary).toContain('MQL');

    const invalid = await h.admin('PATCH', `/api/admin/leads/${leadId}/attributes`, { budget: -5, 'bad\nkey': 1 });
    expect(invalid.status).toBe(400);
    expect(invalid.body.fields.map((f: any) => f.path)).toEqual(expect.arrayContaining(['budget', 'bad\nkey']));
    expect((await h.admin('PATCH', '/api/admin/leads/999999/attributes', { industry: '零售' })).status).toBe(404);
  });

  it('crossing the hot threshold alerts the owner exactly once', async () => {
    await h.admin('PATCH', `/api/admin/leads/${leadId}/attributes`, { budget: 200000 });
    await queuesSettled(h);
    expect((await detail(leadId)).score).toBe(65);
    expect(hotNotices(leadId)).toHaveLength(0);

    await post(leadId, { kind: 'page_view', value: '/pricing' });
    await queuesSettled(h);
    const d = await detail(leadId);
    expect(d).toMatchObject({ score: 75, grade: 'A', qualification: 'sql' });
    expect(hotNotices(leadId)).toHaveLength(0);

    await post(leadId, { kind: 'page_view', value: '/pricing/enterprise' });
    await queuesSettled(h);
    expect((await detail(leadId)).score).toBe(85);
    const [notice] = hotNotices(leadId);
    expect(hotNotices(leadId)).toHaveLength(1);
    expect(notice.touser).toBe('zhangsan');
    expect(notice.text.content).toContain(`王老师（线索 #${leadId}）评分升至 85 分（A 级）`);
    expect(deliveredHot(leadId)).toHaveLength(1);
    const hot = await detail(leadId);
    expect(hot.hotAlertedAt).toBeTruthy();
    expect(hot.timeline.some((e: any) => e.kind === 'owner.notified' && e.summary.includes('高意向阈值 80 分'))).toBe(true);

    // Still hot: no second alert.
    await post(leadId, { kind: 'page_view', value: '/pricing' });
    await queuesSettled(h);
    expect((await detail(leadId)).score).toBe(95);
    expect(hotNotices(leadId)).toHaveLength(1);
  });

  it('falling below the threshold re-arms the alert: the next crossing alerts again', async () => {
    await post(leadId, { kind: 'follow_up_outcome', value: 'not_interested' });
    await queuesSettled(h);
    const cooled = await detail(leadId);
    expect(cooled).toMatchObject({ score: 55, qualification: 'sql', hotAlertedAt: null });
    expect(hotNotices(leadId)).toHaveLength(1);

    // 95, not 85 again: WeCom's duplicate check would drop an identical text within 30 minutes.
    for (let i = 0; i < 4; i++) await post(leadId, { kind: 'page_view', value: '/pricing' });
    await queuesSettled(h);
    expect((await detail(leadId)).score).toBe(95);
    expect(hotNotices(leadId)).toHaveLength(2);
    expect(deliveredHot(leadId)).toHaveLength(2);
  });

  it('a hot lead without an owner gets no message, only a timeline note', async () => {
    const now = Date.now();
    const orphan = await repo().save(repo().create({ externalUserId: null, name: '表单客户', source: 'form', stage: 'new', score: 0, createdAt: now, updatedAt: now, lastInteractionAt: now }));
    await h.admin('PATCH', `/api/admin/leads/${orphan.id}/attributes`, { industry: '教育培训', budget: 300000 });
    for (let i = 0; i < 3; i++) await post(orphan.id, { kind: 'page_view', value: '/pricing' });
    await queuesSettled(h);
    const d = await detail(orphan.id);
    expect(d.score).toBe(80);
    expect(hotNotices(orphan.id)).toHaveLength(0);
    expect(d.timeline.find((e: any) => e.kind === 'score.hot').summary).toContain('暂无负责人');
  });

  it('a rules change via PUT applies to the next event', async () => {
    const faster = { ...serviceRules, behaviours: serviceRules.behaviours.map((b) => (b.id === 'b.content' ? { ...b, points: 3, cap: undefined } : b)) };
    expect((await h.admin('PUT', '/api/admin/scoring/rules', faster)).status).toBe(200);
    const now = Date.now();
    const lead = await repo().save(repo().create({ externalUserId: null, name: '', source: 'import', stage: 'new', score: 0, createdAt: now, updatedAt: now, lastInteractionAt: now }));
    for (let i = 0; i < 4; i++) await post(lead.id, { kind: 'content_view', value: `case-${i}` });
    await queuesSettled(h);
    expect((await detail(lead.id)).scoreBreakdown).toEqual([{ rule: 'b.content', points: 12, reason: '阅读内容 ×4' }]);
    expect((await h.admin('PUT', '/api/admin/scoring/rules', serviceRules)).status).toBe(200);
  });

  it('rejects bad events and unknown leads', async () => {
    const bad = await h.admin('POST', `/api/admin/leads/${leadId}/events`, { kind: 'Page View', occurredAt: Date.now() + 3600_000 });
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f: any) => f.path)).toEqual(expect.arrayContaining(['kind']));
    const future = await h.admin('POST', `/api/admin/leads/${leadId}/events`, { kind: 'page_view', occurredAt: Date.now() + 3600_000 });
    expect(future.status).toBe(400);
    expect(future.body.fields[0].path).toBe('occurredAt');
    expect((await h.admin('POST', '/api/admin/leads/999999/events', { kind: 'page_view' })).status).toBe(404);
  });

  it('the decay task re-scores leads that went quiet', async () => {
    const task = scheduledTasks.find((t) => t.name === 'score.decay');
    expect(task).toBeDefined();
    const ds = h.runtime.ctx.dataSource;
    const now = Date.now();
    const quietSince = now - 40 * DAY_MS;
    const quiet = await repo().save(
      repo().create({ externalUserId: null, name: '沉默客户', source: 'form', stage: 'new', score: 0, attributes: { industry: '教育培训' }, createdAt: quietSince, updatedAt: quietSince, lastInteractionAt: quietSince }),
    );
    await ds.getRepository(LeadActivity).insert([0, 1, 2, 3].map((i) => ({ leadId: quiet.id, kind: 'page_view', value: '/pricing', data: null, dedupKey: null, occurredAt: quietSince - i * HOUR })));
    // Its score from when it was last active: industry 30 + four pricing views 40.
    await repo().update({ id: quiet.id }, { score: 70, grade: 'A', scoredAt: quietSince });
    await post(leadId, { kind: 'page_view', value: '/pricing' }); // an active lead, not due for decay
    await queuesSettled(h);
    const activeBefore = await repo().findOneByOrFail({ id: leadId });

    await task!.run(h.runtime.ctx, now);
    const decayed = await repo().findOneByOrFail({ id: quiet.id });
    expect(decayed.score).toBe(50);
    expect(decayed.scoreBreakdown?.at(-1)).toEqual({ rule: 'decay', points: -20, reason: '40 天无互动，行为分衰减至 50%' });
    expect(decayed.grade).toBe('B');
    // The active lead was not part of the sweep.
    expect((await repo().findOneByOrFail({ id: leadId })).scoredAt).toBe(activeBefore.scoredAt);
  });

  it('rescoreAll over a few thousand leads matches computeScore per lead', async () => {
    const ds = h.runtime.ctx.dataSource;
    const rules = unitRules;
    const NOW = Date.now();
    const industries = ['教育培训', 'education', '学生', '零售', null];
    const keywords = ['报价', '多少钱', '你好'];
    const kinds: Array<[string, () => string | null]> = [
      ['channel', () => String(1 + (Math.random() * 10) | 0)],
      ['group_join', () => 'wr' + ((Math.random() * 5) | 0)],
      ['intent_keyword', () => keywords[(Math.random() * keywords.length) | 0]],
      ['customer_reply', () => null],
      ['follow_up_outcome', () => (Math.random() < 0.5 ? 'meeting_booked' : 'not_interested')],
      ['page_view', () => (Math.random() < 0.5 ? '/pricing' : '/about')],
      ['content_view', () => 'whitepaper-' + ((Math.random() * 3) | 0)],
    ];
    const COUNT = 2000;
    const ids: number[] = [];
    // One transaction: the seed is setup, not what is being measured.
    await ds.transaction(async (m) => {
      for (let start = 0; start < COUNT; start += 250) {
        const rows = Array.from({ length: Math.min(250, COUNT - start) }, (_, i) => {
          const n = start + i;
          const createdAt = NOW - ((n % 90) + 1) * DAY_MS;
          const industry = industries[n % industries.length];
          return {
            externalUserId: null,
            name: `seed-${n}`,
            source: 'import',
            stage: 'new' as const,
            score: 0,
            qualification: 'none' as const,
            attributes: { ...(industry ? { industry } : {}), companySize: (n * 37) % 800, budget: (n * 1013) % 250000, isDecisionMaker: n % 3 === 0 },
            createdAt,
            updatedAt: createdAt,
            lastInteractionAt: createdAt,
          };
        });
        await m.createQueryBuilder().insert().into(Lead).values(rows as never).execute();
      }
      const seeded = await m.getRepository(Lead).createQueryBuilder('lead').select('lead.id').where("lead.name LIKE 'seed-%'").orderBy('lead.id', 'ASC').getMany();
      ids.push(...seeded.map((l) => l.id));
      const activities: Array<Partial<LeadActivity>> = [];
      ids.forEach((id, n) => {
        const createdAt = NOW - ((n % 90) + 1) * DAY_MS;
        for (let k = 0; k < n % 6; k++) {
          const [kind, value] = kinds[(n + k) % kinds.length];
          activities.push({ leadId: id, kind, value: value(), data: null, dedupKey: null, occurredAt: createdAt + k * HOUR });
        }
      });
      for (let i = 0; i < activities.length; i += 500) await m.getRepository(LeadActivity).insert(activities.slice(i, i + 500) as never);
    });

    const progress: RescoreProgress[] = [];
    const result = await rescoreAll(ds, rules, { batchSize: 700, now: () => NOW, onProgress: (p) => progress.push(p) });
    expect(result.processed).toBe(progress.at(-1)!.processed);
    expect(result.processed).toBe(progress.at(-1)!.total);
    expect(result.processed).toBeGreaterThanOrEqual(COUNT);
    expect(progress.length).toBe(Math.ceil(result.processed / 700));
    expect(progress.every((p, i) => i === 0 || p.lastId > progress[i - 1].lastId)).toBe(true);

    const stored = await ds.getRepository(Lead).findBy({ id: In(ids) });
    const acts = await ds.getRepository(LeadActivity).findBy({ leadId: In(ids) });
    const byLead = new Map<number, LeadActivity[]>(ids.map((id) => [id, []]));
    for (const a of acts) byLead.get(a.leadId)!.push(a);
    let decayed = 0;
    const graded = { A: 0, B: 0, C: 0 };
    const actual: unknown[] = [];
    const expected: unknown[] = [];
    for (const lead of stored) {
      const want = computeScore({ ...lead, qualification: 'none' }, byLead.get(lead.id)!, rules, NOW);
      actual.push({ id: lead.id, score: lead.score, grade: lead.grade, qualification: lead.qualification, breakdown: lead.scoreBreakdown, scoredAt: lead.scoredAt });
      expected.push({ id: lead.id, score: want.score, grade: want.grade, qualification: want.qualification, breakdown: want.breakdown, scoredAt: NOW });
      if (want.breakdown.some((i) => i.rule === 'decay')) decayed++;
      graded[want.grade]++;
    }
    expect(actual).toEqual(expected);
    expect(stored).toHaveLength(COUNT);
    // The seed exercises decay and every grade, so the comparison means something.
    expect(decayed).toBeGreaterThan(100);
    expect(graded.A + graded.B).toBeGreaterThan(50);
    expect(graded.C).toBeGreaterThan(50);

    // A second run with nothing new changes nothing.
    const again = await rescoreAll(ds, rules, { batchSize: 1000, now: () => NOW });
    expect(again.changed).toBe(0);
    const timeline = await ds.getRepository(TimelineEntry).count({ where: { leadId: In(ids.slice(0, 500)), kind: 'score.grade_changed' } });
    expect(timeline).toBeGreaterThan(0);
  });
});
