import { Lead } from '../src/leads/lead.entity';
import { LeadTag } from '../src/leads/lead-tag.entity';
import { recordSendResults } from '../src/nurture/budget/ledger';
import { MessageDelivery } from '../src/nurture/budget/message-delivery.entity';
import type { BudgetSettings } from '../src/nurture/budget/budget-settings';
import { enrollLead } from '../src/nurture/enrollment/enroll-lead';
import { NurtureEnrollment } from '../src/nurture/enrollment/enrollment.entity';
import { nurtureTick } from '../src/nurture/nurture-task';
import { NurturePush } from '../src/nurture/sending/push.entity';
import { CANCEL_UNCONFIRMED_AFTER_MS, EARLY_CHECK_MS, REMIND_AFTER_MS } from '../src/nurture/sending/track-pushes';
import type { SequenceInput } from '../src/nurture/sequences/schema';
import { NurtureStepRun } from '../src/nurture/steps/step-run.entity';
import { makeLead } from './support/factories';
import { testDbKind } from './support/database';
import { silentLogger } from '../src/logger';
import { startRuntime } from '../src/runtime';
import { conditionHolds } from '../src/nurture/steps/conditions';
import { runDueSteps } from '../src/nurture/steps/run-due-steps';
import { exitEnrollments } from '../src/nurture/enrollment/exit-enrollments';
import { eventually, Harness, queuesSettled, startHarness } from './support/harness';

/**
 * Nurture step execution and sending (issue 11) against the WeCom simulator over HTTP, on a real
 * database, with the clock moved by hand: due steps run exactly once, pushes are batched per
 * sender into add_msg_template, the member's confirmation and the send results come back into the
 * ledger and the funnel, reminders and cancelling, conditions and actions, the budget under each
 * corp rule with its fallbacks, quiet hours, and a send whose answer was lost.
 */

/** Milliseconds for a wall-clock time in Asia/Shanghai (UTC+8). */
const sh = (y: number, m: number, d: number, h = 0, min = 0) => Date.UTC(y, m - 1, d, h - 8, min);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Only the corp's rule: no caps of our own, no quiet hours, several pushes a day. */
const corpOnly = (corpRule: BudgetSettings['corpRule'] = 'month'): BudgetSettings => ({ corpRule, monthlyCap: null, quietHours: null, onePerDay: false });

let h: Harness;
// Wednesday 10 March 2027, 10:00 in Shanghai.
let clock = sh(2027, 3, 10, 10);
const ds = () => h.runtime.ctx.dataSource;
const tick = () => nurtureTick(h.runtime.ctx, clock);
let seq = 0;

beforeAll(async () => {
  h = await startHarness({
    simulator: { now: () => clock, tokenTtlSeconds: 400 * 86_400, members: [{ userid: 'zhangsan' }, { userid: 'lisi' }, { userid: 'wangwu' }] },
    // The tests run every pass themselves, at the time they choose.
    runtime: { runScheduler: false },
  });
  h.runtime.ctx.clock = () => clock;
});
afterAll(async () => h?.close());

async function setBudget(settings: BudgetSettings) {
  const r = await h.admin('PUT', '/api/admin/nurture/budget/settings', settings);
  expect(r.status).toBe(200);
}

async function createSequence(body: Omit<SequenceInput, 'key'> & { key?: string }): Promise<string> {
  const key = body.key ?? `seq-${++seq}`;
  const r = await h.admin('POST', '/api/admin/nurture/sequences', { ...body, key });
  expect(r.status).toBe(201);
  return key;
}

/** A lead that is `owner`'s WeCom customer, in the simulator and in the database. */
async function customerOf(owner: string, fields: Partial<Lead> = {}): Promise<Lead> {
  const externalUserId = h.sim.state.addExternalContact().external_userid;
  h.sim.state.addFollow(owner, externalUserId);
  return makeLead(ds(), { externalUserId, ownerUserId: owner, source: 'wecom', ...fields });
}

async function enroll(lead: Lead, sequenceKey: string) {
  const r = await enrollLead(ds().manager, { leadId: lead.id, sequenceKey, reason: { type: 'manual', by: 'admin' }, at: clock });
  expect(r.enrolled).toBe(true);
  return r.enrolled ? r.enrollment : (null as never);
}

const runsOf = (leadId: number) => ds().getRepository(NurtureStepRun).find({ where: { leadId }, order: { id: 'ASC' } });
const templatesTo = (externalUserId: string) => [...h.sim.state.templates.values()].filter((t) => t.recipients.some((r) => r.external_userid === externalUserId));
const timeline = async (leadId: number) =>
  (await ds().query(`SELECT kind, summary FROM timeline_entry WHERE lead_id = ? ORDER BY id`, [leadId])) as Array<{ kind: string; summary: string }>;
const funnel = async (key: string) => {
  const r = await h.admin('GET', `/api/admin/nurture/sequences/${key}/funnel`);
  expect(r.status).toBe(200);
  return r.body;
};

const textOf = (m: { content: unknown }) => String((m.content as { content?: string }).content ?? '');

const push = (id: string, content: string, delay: SequenceInput['steps'][number]['delay'] = { from: 'previous_step' }, extra: object = {}) => ({
  id,
  delay,
  action: { type: 'push_content' as const, text: { content } },
  ...extra,
});

describe('pushes: batching, confirmation, results, reminders', () => {
  it('sends a due push step once, one add_msg_template per sender, and reads the send results back into the ledger and the funnel', async () => {
    await setBudget(corpOnly());
    const key = await createSequence({
      name: '展会培育',
      triggers: [{ type: 'manual' }],
      steps: [
        push('intro', '您好，这是展会资料：https://example.com/expo', { from: 'enrollment', minutes: 30 }),
        { id: 'call', delay: { from: 'previous_step', days: 1 }, action: { type: 'remind_rep', text: '请回访客户，了解展会资料是否收到。' } },
      ],
    });
    const zs = [await customerOf('zhangsan'), await customerOf('zhangsan'), await customerOf('zhangsan')];
    const ls = [await customerOf('lisi'), await customerOf('lisi')];
    for (const lead of [...zs, ...ls]) await enroll(lead, key);

    // Not due yet.
    await tick();
    expect(await ds().getRepository(NurtureStepRun).countBy({ sequenceKey: key })).toBe(0);

    clock += 30 * MINUTE;
    const first = await tick();
    expect(first.steps.ran.queued).toBe(5);
    expect(first.pushesCreated).toBe(2);
    expect(first.pushesSent).toBe(2);
    // A second pass at the same moment (another instance, an overlapping tick) sends nothing more.
    const again = await tick();
    expect(again.steps.ran).toEqual({});
    expect(again.pushesSent).toBe(0);

    const templates = [...h.sim.state.templates.values()].filter((t) => t.text?.content.startsWith('您好，这是展会资料'));
    expect(templates).toHaveLength(2);
    const bySender = new Map(templates.map((t) => [t.sender, t]));
    expect(bySender.get('zhangsan')!.recipients.map((r) => r.external_userid).sort()).toEqual(zs.map((l) => l.externalUserId).sort());
    expect(bySender.get('lisi')!.recipients.map((r) => r.external_userid).sort()).toEqual(ls.map((l) => l.externalUserId).sort());
    for (const lead of [...zs, ...ls]) expect((await runsOf(lead.id)).map((r) => r.status)).toEqual(['awaiting']);

    // One customer deletes zhangsan before he confirms: WeCom says status 2 for them.
    h.sim.state.removeFollow('zhangsan', zs[2].externalUserId!);
    h.sim.state.confirmGroupMessage(bySender.get('zhangsan')!.msgid, 'zhangsan');
    clock += 2 * MINUTE;
    await tick();
    expect((await runsOf(zs[0].id))[0]).toMatchObject({ status: 'delivered' });
    expect((await runsOf(zs[2].id))[0]).toMatchObject({ status: 'not_friend' });
    const ledger = await ds().getRepository(MessageDelivery).find({ where: { msgid: bySender.get('zhangsan')!.msgid }, order: { id: 'ASC' } });
    expect(ledger.map((l) => l.status).sort()).toEqual([1, 1, 2]);
    expect(ledger.every((l) => l.sender === 'zhangsan' && l.source === `sequence:${key}`)).toBe(true);

    let f = await funnel(key);
    expect(f.enrolled).toMatchObject({ total: 5, active: 5 });
    expect(f.steps[0].push).toMatchObject({ sent: 5, confirmed: 3, delivered: 2, notFriend: 1, overCap: 0, unconfirmed: 0 });
    expect(f.steps[1]).toMatchObject({ waiting: 5, ran: 0 });

    // lisi never confirms: reminded three times within the day, then cancelled; the customers' budget is freed.
    const sentBefore = h.sim.state.appMessages.items.length;
    const lisiMsg = bySender.get('lisi')!.msgid;
    const submittedAt = clock - 2 * MINUTE;
    for (const [i, after] of REMIND_AFTER_MS.entries()) {
      clock = submittedAt + after;
      await tick();
      expect(h.sim.state.templates.get(lisiMsg)!.reminders).toHaveLength(i + 1);
    }
    clock = submittedAt + CANCEL_UNCONFIRMED_AFTER_MS;
    await tick();
    expect(h.sim.state.templates.get(lisiMsg)!.cancelledAt).toBeDefined();
    expect(h.sim.state.templates.get(lisiMsg)!.reminders).toHaveLength(3);
    expect((await runsOf(ls[0].id))[0]).toMatchObject({ status: 'unconfirmed', detail: 'cancelled' });
    expect(await ds().getRepository(NurturePush).findOneBy({ msgid: lisiMsg })).toMatchObject({ status: 'cancelled', remindersSent: 3 });

    // The rep reminder a day after the push (it ran in one of the passes above), then the sequence is complete.
    await queuesSettled(h);
    const reminders = h.sim.state.appMessages.items.slice(sentBefore);
    expect(reminders.filter((m) => textOf(m).includes('请回访客户'))).toHaveLength(5);
    f = await funnel(key);
    expect(f.enrolled).toMatchObject({ total: 5, active: 0, completed: 5 });
    expect(f.steps[1]).toMatchObject({ ran: 5, done: 5 });
    expect(f.exits).toEqual({ sequence_end: 5 });
    expect((await timeline(zs[0].id)).map((t) => t.summary)).toContain('培育序列「展会培育」已完成');
  });
});

describe('an exit before the push is sent', () => {
  it('a lead that leaves the sequence after its push was decided is left out of the message', async () => {
    clock = sh(2027, 7, 7, 10);
    await setBudget(corpOnly());
    const key = await createSequence({
      name: '退出测试',
      triggers: [{ type: 'manual' }],
      steps: [push('p', '退出测试内容', { from: 'enrollment' }), { id: 'later', delay: { from: 'previous_step', days: 3 }, action: { type: 'remind_rep', text: '三天后回访' } }],
    });
    const [stays, leaves] = [await customerOf('zhangsan'), await customerOf('zhangsan')];
    await enroll(stays, key);
    await enroll(leaves, key);
    await runDueSteps(h.runtime.ctx, clock);
    await exitEnrollments(ds().manager, { leadId: leaves.id, reason: 'customer_reply', at: clock });
    await tick();
    const sent = [...h.sim.state.templates.values()].filter((t) => t.text?.content === '退出测试内容');
    expect(sent.map((t) => t.recipients.map((r) => r.external_userid))).toEqual([[stays.externalUserId]]);
    expect((await runsOf(leaves.id))[0]).toMatchObject({ status: 'skipped', detail: 'exited' });
    expect((await funnel(key)).exits).toEqual({ customer_reply: 1 });
  });
});

describe('conditions and actions', () => {
  it('adds and removes tags, changes the score, reminds the rep, and skips a step whose condition does not hold', async () => {
    await setBudget(corpOnly());
    const key = await createSequence({
      name: '意向培育',
      triggers: [{ type: 'manual' }],
      steps: [
        { id: 'tag', delay: { from: 'enrollment' }, condition: { stages: ['new', 'contacted'] }, action: { type: 'add_tag', tag: '培育中' } },
        { id: 'score', delay: { from: 'previous_step' }, action: { type: 'change_score', points: 15, reason: '完成培育第一阶段' } },
        { id: 'a-only', delay: { from: 'previous_step' }, condition: { grades: ['A'] }, action: { type: 'push_content', text: { content: '仅限 A 类客户的专属优惠' } } },
        { id: 'remind', delay: { from: 'previous_step' }, condition: { tagsAll: ['培育中'] }, action: { type: 'remind_rep', text: '客户已完成培育，请电话跟进。' } },
        { id: 'untag', delay: { from: 'previous_step' }, action: { type: 'remove_tag', tag: '培育中' } },
      ],
    });
    const lead = await customerOf('wangwu', { grade: 'C' });
    await enroll(lead, key);
    for (let i = 0; i < 5; i++) await tick();
    await queuesSettled(h);
    const runs = await runsOf(lead.id);
    expect(runs.map((r) => [r.stepId, r.status, r.detail])).toEqual([
      ['tag', 'done', null],
      ['score', 'done', null],
      ['a-only', 'skipped', 'condition'],
      ['remind', 'done', null],
      ['untag', 'done', null],
    ]);
    expect(templatesTo(lead.externalUserId!)).toHaveLength(0);
    expect(await ds().getRepository(LeadTag).countBy({ leadId: lead.id, name: '培育中' })).toBe(0);
    const scored = await eventually(async () => {
      const l = await ds().getRepository(Lead).findOneByOrFail({ id: lead.id });
      return l.scoreBreakdown?.some((i) => i.rule === 'adjustment') ? l : null;
    });
    expect(scored.scoreBreakdown).toContainEqual({ rule: 'adjustment', points: 15, reason: '完成培育第一阶段' });
    const summaries = (await timeline(lead.id)).map((t) => t.summary);
    expect(summaries).toEqual(
      expect.arrayContaining([
        '培育序列「意向培育」第 1 步添加了标签「培育中」',
        '培育序列「意向培育」第 2 步：评分加 15 分（完成培育第一阶段）',
        '培育序列「意向培育」第 5 步移除了标签「培育中」',
        '培育序列「意向培育」已完成',
      ]),
    );
    expect(h.sim.state.appMessages.items.some((m) => m.touser.includes('wangwu') && textOf(m).includes('客户已完成培育'))).toBe(true);
  });

  it('a lead in the pool or without WeCom gets no push; the step says why', async () => {
    await setBudget(corpOnly());
    const key = await createSequence({ name: '无对象', triggers: [{ type: 'manual' }], steps: [push('p', '无对象测试', { from: 'enrollment' })] });
    const pooled = await customerOf('zhangsan', { ownerUserId: null, inPool: true });
    const formOnly = await makeLead(ds(), { source: 'form' });
    await enroll(pooled, key);
    await enroll(formOnly, key);
    await tick();
    expect((await runsOf(pooled.id))[0]).toMatchObject({ status: 'no_recipient', detail: 'no_owner' });
    expect((await runsOf(formOnly.id))[0]).toMatchObject({ status: 'no_recipient', detail: 'not_wecom_contact' });
  });
});

describe('the budget', () => {
  /** `n` status-1 deliveries to the customer, in our ledger and in the simulator's cap, at `at`. */
  async function alreadyReceived(lead: Lead, n: number, at: number) {
    await recordSendResults(
      ds().manager,
      Array.from({ length: n }, (_, i) => ({ msgid: `earlier-${lead.id}-${i}`, externalUserId: lead.externalUserId!, sender: 'zhangsan', source: 'campaign', status: 1 as const, sentAt: at })),
      at,
    );
    for (let i = 0; i < n; i++) h.sim.state.recordGroupMessageDelivery(lead.externalUserId!, at);
  }

  const cases: Array<{ rule: BudgetSettings['corpRule']; used: number; freesAt: (now: number) => number }> = [
    // March has 31 days; the budget frees on 1 April, 00:00 in Shanghai.
    { rule: 'month', used: 31, freesAt: () => sh(2027, 4, 1) },
    // 7 a week; Wednesday's week frees on Monday 15 March.
    { rule: 'week', used: 7, freesAt: () => sh(2027, 3, 15) },
    { rule: 'day', used: 1, freesAt: () => sh(2027, 3, 11) },
  ];
  for (const { rule, used, freesAt } of cases) {
    it(`corp rule "${rule}": a spent budget makes the step wait (never a status 3), skip, or become a rep task`, async () => {
      clock = sh(2027, 3, 10, 10);
      h.sim.state.setGroupMessageRule(rule);
      await setBudget(corpOnly(rule));
      const wait = await createSequence({ name: `等待-${rule}`, triggers: [{ type: 'manual' }], steps: [push('p', `等待测试 ${rule}`, { from: 'enrollment' })] });
      const skip = await createSequence({ name: `跳过-${rule}`, triggers: [{ type: 'manual' }], steps: [push('p', `跳过测试 ${rule}`, { from: 'enrollment' }, { whenBudgetSpent: 'skip' })] });
      const task = await createSequence({
        name: `转人工-${rule}`,
        triggers: [{ type: 'manual' }],
        steps: [push('p', `转人工测试 ${rule}`, { from: 'enrollment' }, { whenBudgetSpent: 'rep_task' })],
      });
      const leads = [await customerOf('zhangsan'), await customerOf('zhangsan'), await customerOf('zhangsan')];
      for (const lead of leads) await alreadyReceived(lead, used, clock - HOUR);
      await enroll(leads[0], wait);
      await enroll(leads[1], skip);
      await enroll(leads[2], task);
      await tick();
      await queuesSettled(h);

      for (const lead of leads) expect(templatesTo(lead.externalUserId!)).toHaveLength(0);
      expect(await runsOf(leads[0].id)).toHaveLength(0);
      const waiting = await ds().getRepository(NurtureEnrollment).findOneByOrFail({ leadId: leads[0].id, sequenceKey: wait });
      expect(waiting.nextDueAt).toBe(freesAt(clock));
      expect((await runsOf(leads[1].id))[0]).toMatchObject({ status: 'skipped', detail: 'corp_budget_spent' });
      expect((await runsOf(leads[2].id))[0]).toMatchObject({ status: 'rep_task', detail: 'corp_budget_spent' });
      const notice = h.sim.state.appMessages.items.find((m) => textOf(m).includes(`转人工测试 ${rule}`));
      expect(notice).toBeDefined();
      expect(notice!.touser).toEqual(['zhangsan']);
      expect(textOf(notice!)).toContain('【培育·请手动发送】');

      // When the period ends, the waiting step goes out and is delivered.
      clock = freesAt(clock);
      await tick();
      const [template] = templatesTo(leads[0].externalUserId!);
      expect(template).toBeDefined();
      h.sim.state.confirmGroupMessage(template.msgid);
      clock += MINUTE;
      await tick();
      expect((await runsOf(leads[0].id))[0]).toMatchObject({ status: 'delivered' });
      const f = await funnel(skip);
      expect(f.steps[0].skipped).toEqual({ corp_budget_spent: 1 });
      expect((await funnel(task)).steps[0].push.repTask).toBe(1);
    });
  }

  it('counts sends not yet confirmed: a customer with one in flight under the day rule gets no second', async () => {
    clock = sh(2027, 3, 17, 10);
    h.sim.state.setGroupMessageRule('day');
    await setBudget(corpOnly('day'));
    const a = await createSequence({ name: '在途一', triggers: [{ type: 'manual' }], steps: [push('p', '在途测试一', { from: 'enrollment' })] });
    const b = await createSequence({ name: '在途二', triggers: [{ type: 'manual' }], steps: [push('p', '在途测试二', { from: 'enrollment', minutes: 5 })] });
    const lead = await customerOf('zhangsan');
    // Delivered to yesterday, so the budget view lists the customer.
    await recordSendResults(ds().manager, [{ msgid: `yesterday-${lead.id}`, externalUserId: lead.externalUserId!, sender: 'zhangsan', source: 'campaign', status: 1, sentAt: clock - DAY }], clock - DAY);
    await enroll(lead, a);
    await enroll(lead, b);
    await tick();
    expect(templatesTo(lead.externalUserId!)).toHaveLength(1);
    const view = await h.admin('GET', `/api/admin/nurture/budget?externalUserId=${lead.externalUserId}`);
    expect(view.body.items[0]).toMatchObject({ corp: { rule: 'day', used: 0, remaining: 1 }, inFlight: 1 });
    clock += 10 * MINUTE;
    await tick();
    // Unconfirmed, but it may still be delivered today: the second waits for tomorrow.
    expect(templatesTo(lead.externalUserId!)).toHaveLength(1);
    expect((await ds().getRepository(NurtureEnrollment).findOneByOrFail({ leadId: lead.id, sequenceKey: b })).nextDueAt).toBe(sh(2027, 3, 18));
  });

  it('a message over the cap that our ledger could not know of comes back status 3 and shows as over cap', async () => {
    clock = sh(2027, 3, 22, 10);
    h.sim.state.setGroupMessageRule('day');
    await setBudget(corpOnly('day'));
    const key = await createSequence({ name: '超限', triggers: [{ type: 'manual' }], steps: [push('p', '超限测试', { from: 'enrollment' })] });
    const lead = await customerOf('zhangsan');
    await enroll(lead, key);
    await tick();
    // Another tool of the corp used today's one message before the member confirmed ours.
    h.sim.state.recordGroupMessageDelivery(lead.externalUserId!, clock);
    h.sim.state.confirmGroupMessage(templatesTo(lead.externalUserId!)[0].msgid);
    clock += MINUTE;
    await tick();
    expect((await runsOf(lead.id))[0]).toMatchObject({ status: 'over_cap' });
    expect((await funnel(key)).steps[0].push).toMatchObject({ sent: 1, confirmed: 1, delivered: 0, overCap: 1 });
  });

  it('quiet hours hold a push until they end; one push a day across sequences', async () => {
    clock = sh(2027, 3, 24, 22);
    h.sim.state.setGroupMessageRule('month');
    await setBudget({ corpRule: 'month', monthlyCap: null, quietHours: { start: '21:00', end: '09:00' }, onePerDay: true });
    const a = await createSequence({ name: '夜间一', triggers: [{ type: 'manual' }], steps: [push('p', '夜间测试一', { from: 'enrollment' })] });
    const b = await createSequence({ name: '夜间二', triggers: [{ type: 'manual' }], steps: [push('p', '夜间测试二', { from: 'enrollment' })] });
    const lead = await customerOf('lisi');
    await enroll(lead, a);
    await enroll(lead, b);
    await tick();
    expect(templatesTo(lead.externalUserId!)).toHaveLength(0);
    const enrollments = await ds().getRepository(NurtureEnrollment).findBy({ leadId: lead.id });
    expect(enrollments.map((e) => e.nextDueAt)).toEqual([sh(2027, 3, 25, 9), sh(2027, 3, 25, 9)]);
    clock = sh(2027, 3, 25, 9);
    await tick();
    const sent = templatesTo(lead.externalUserId!);
    expect(sent.map((t) => t.text?.content)).toEqual(['夜间测试一']);
    // The second waits for the next day, and its morning.
    expect((await ds().getRepository(NurtureEnrollment).findOneByOrFail({ leadId: lead.id, sequenceKey: b })).nextDueAt).toBe(sh(2027, 3, 26, 9));
  });
});

describe('a send whose answer is lost', () => {
  beforeEach(async () => {
    // Earlier tests' enrollments and pushes would be due too, and take the injected fault.
    await ds().query(`UPDATE nurture_enrollment SET status = 'exited', active_key = NULL, next_due_at = NULL WHERE status = 'active'`);
    await ds().query(`UPDATE nurture_push SET status = 'done' WHERE status IN ('ready', 'calling', 'awaiting')`);
    clock = sh(2027, 5, 12, 10);
    h.sim.state.setGroupMessageRule('month');
    await setBudget(corpOnly());
  });

  it('WeCom created it, the reply was lost and the service restarted: the message is found, not sent again', async () => {
    const key = await createSequence({ name: '丢失回复', triggers: [{ type: 'manual' }], steps: [push('p', '丢失回复测试', { from: 'enrollment' })] });
    const leads = [await customerOf('zhangsan'), await customerOf('zhangsan')];
    for (const lead of leads) await enroll(lead, key);
    h.sim.faults.inject({ path: 'externalcontact/add_msg_template', loseReply: true });
    await tick();
    const pushRow = await ds().getRepository(NurturePush).findOneByOrFail({ sequenceKey: key });
    expect(pushRow).toMatchObject({ status: 'calling', msgid: null });
    expect(templatesTo(leads[0].externalUserId!)).toHaveLength(1);

    await h.restart({ runScheduler: false });
    h.runtime.ctx.clock = () => clock;
    // Too early to tell the call is over: nothing happens.
    await tick();
    expect(await ds().getRepository(NurturePush).findOneByOrFail({ id: pushRow.id })).toMatchObject({ status: 'calling' });
    clock += 3 * MINUTE;
    const r = await tick();
    expect(r.reconciled).toEqual({ adopted: 1, resent: 0 });
    const [template] = templatesTo(leads[0].externalUserId!);
    expect(templatesTo(leads[0].externalUserId!)).toHaveLength(1);
    expect(await ds().getRepository(NurturePush).findOneByOrFail({ id: pushRow.id })).toMatchObject({ status: 'awaiting', msgid: template.msgid });
    h.sim.state.confirmGroupMessage(template.msgid);
    // Unconfirmed pushes are looked at every minute in their first hour.
    clock += EARLY_CHECK_MS;
    await tick();
    for (const lead of leads) expect((await runsOf(lead.id)).map((x) => x.status)).toEqual(['delivered']);
  });

  it('WeCom never got it (the connection dropped first): it is sent again, once', async () => {
    const key = await createSequence({ name: '连接中断', triggers: [{ type: 'manual' }], steps: [push('p', '连接中断测试', { from: 'enrollment' })] });
    const lead = await customerOf('lisi');
    await enroll(lead, key);
    h.sim.faults.inject({ path: 'externalcontact/add_msg_template', dropConnection: true });
    await tick();
    expect(templatesTo(lead.externalUserId!)).toHaveLength(0);
    clock += 3 * MINUTE;
    const r = await tick();
    expect(r.reconciled).toEqual({ adopted: 0, resent: 1 });
    expect(r.pushesSent).toBe(1);
    expect(templatesTo(lead.externalUserId!)).toHaveLength(1);
    clock += 3 * MINUTE;
    await tick();
    expect(templatesTo(lead.externalUserId!)).toHaveLength(1);
    expect((await runsOf(lead.id)).map((x) => x.status)).toEqual(['awaiting']);
  });
});

describe('conditions', () => {
  const facts = { tags: new Set(['展会', 'VIP']), grade: 'B' as const, stage: 'contacted' as const, channelId: 7 };
  const byState = new Map([['expo', 7], ['web', 8]]);
  it.each([
    [{ tagsAll: ['展会', 'VIP'] }, true],
    [{ tagsAll: ['展会', '老客户'] }, false],
    [{ tagsAny: ['老客户', 'VIP'] }, true],
    [{ tagsAny: ['老客户'] }, false],
    [{ tagsNone: ['无意向'] }, true],
    [{ tagsNone: ['VIP'] }, false],
    [{ grades: ['A', 'B'] }, true],
    [{ grades: ['A'] }, false],
    [{ stages: ['new', 'contacted'] }, true],
    [{ stages: ['qualified'] }, false],
    [{ channels: [{ state: 'expo' }] }, true],
    [{ channels: [{ id: 7 }] }, true],
    [{ channels: [{ state: 'web' }, { state: 'gone' }] }, false],
    [{ tagsAll: ['展会'], grades: ['C'] }, false],
    [undefined, true],
  ] as const)('%j → %s', (condition, holds) => {
    expect(conditionHolds(condition as never, facts, byState)).toBe(holds);
  });
  it('a lead without a grade or channel does not match conditions on them', () => {
    expect(conditionHolds({ grades: ['C'] }, { ...facts, grade: null }, byState)).toBe(false);
    expect(conditionHolds({ channels: [{ id: 7 }] }, { ...facts, channelId: null }, byState)).toBe(false);
  });
});

/**
 * Two instances need MySQL/MariaDB (README: SQLite is for one process); on SQLite the passes of
 * one instance overlap instead, which the same conditional writes decide.
 */
describe('two instances', () => {
  it(`run every due step once when their passes overlap, and send each customer one message (${testDbKind === 'mysql' ? 'two instances on one database' : 'one instance, overlapping passes'})`, async () => {
    clock = sh(2027, 6, 9, 10);
    await ds().query(`UPDATE nurture_enrollment SET status = 'exited', active_key = NULL, next_due_at = NULL WHERE status = 'active'`);
    await ds().query(`UPDATE nurture_push SET status = 'done' WHERE status IN ('ready', 'calling', 'awaiting')`);
    h.sim.state.setGroupMessageRule('month');
    await setBudget(corpOnly());
    const key = await createSequence({
      name: '双实例',
      triggers: [{ type: 'manual' }],
      steps: [
        push('p', '双实例测试', { from: 'enrollment' }),
        { id: 'tag', delay: { from: 'previous_step' }, action: { type: 'add_tag', tag: '双实例' } },
        { id: 'remind', delay: { from: 'previous_step' }, action: { type: 'remind_rep', text: '双实例提醒' } },
      ],
    });
    const leads: Lead[] = [];
    for (let i = 0; i < 30; i++) leads.push(await customerOf(['zhangsan', 'lisi', 'wangwu'][i % 3]));
    for (const lead of leads) await enroll(lead, key);
    const other =
      testDbKind === 'mysql'
        ? await startRuntime({ ...h.config, port: 0, instanceId: 'nurture-other' }, { logger: silentLogger, runScheduler: false, runWorkers: false, serveHttp: false })
        : h.runtime;
    try {
      for (let pass = 0; pass < 3; pass++) {
        await Promise.all([nurtureTick(h.runtime.ctx, clock), nurtureTick(other.ctx, clock), nurtureTick(h.runtime.ctx, clock), nurtureTick(other.ctx, clock)]);
      }
    } finally {
      if (other !== h.runtime) await other.stop();
    }
    await queuesSettled(h);
    const runs = await ds().getRepository(NurtureStepRun).findBy({ sequenceKey: key });
    expect(runs).toHaveLength(90);
    const templates = [...h.sim.state.templates.values()].filter((t) => t.text?.content === '双实例测试');
    expect(templates).toHaveLength(3);
    const recipients = templates.flatMap((t) => t.recipients.map((r) => r.external_userid));
    expect(recipients.sort()).toEqual(leads.map((l) => l.externalUserId).sort());
    expect(await ds().getRepository(LeadTag).countBy({ name: '双实例' })).toBe(30);
    expect(h.sim.state.appMessages.items.filter((m) => textOf(m).includes('双实例提醒'))).toHaveLength(30);
    expect((await funnel(key)).enrolled).toMatchObject({ total: 30, completed: 30 });
  });
});
