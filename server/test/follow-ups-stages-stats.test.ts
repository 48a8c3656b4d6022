import { Channel } from '../src/channels/channel.entity';
import { Job } from '../src/jobs/job.entity';
import { FollowUp } from '../src/leads/follow-up.entity';
import { remindOnce, sendDueReminders } from '../src/leads/follow-ups/reminders';
import { LeadActivity } from '../src/leads/lead-activity.entity';
import { Lead, LEAD_STAGES, LeadStage } from '../src/leads/lead.entity';
import { ALLOWED_TRANSITIONS, STAGE_LABELS } from '../src/leads/stages/transitions';
import { addTimelineEntry } from '../src/leads/timeline';
import { TimelineEntry } from '../src/leads/timeline-entry.entity';
import { scheduledTasks } from '../src/scheduler/tasks';
import { Harness, queuesSettled, startHarness } from './support/harness';
import { signInRep } from './support/factories';

/** Follow-ups, reminders, stage rules and the funnel / channel / rep / duration stats, over HTTP. */
describe('follow-ups, stages, reminders and stats', () => {
  let h: Harness;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    h = await startHarness({ simulator: { members: [{ userid: 'zhangsan' }, { userid: 'lisi' }, { userid: 'wangwu' }] } });
    for (const userId of ['zhangsan', 'lisi']) {
      tokens[userId] = await signInRep(h, userId);
    }
  });
  afterAll(async () => h.close());

  const rep = async (userId: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${h.url}/api/mp${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[userId]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  const leads = () => h.runtime.ctx.dataSource.getRepository(Lead);
  const timeline = (leadId: number) =>
    h.runtime.ctx.dataSource.getRepository(TimelineEntry).find({ where: { leadId }, order: { id: 'ASC' } });

  let seq = 0;
  async function makeLead(fields: Partial<Lead> = {}): Promise<Lead> {
    seq++;
    const now = Date.now();
    const lead = leads().create({
      externalUserId: `wm_fus_${seq}`,
      name: `客户${seq}`,
      source: 'wecom',
      stage: 'new',
      score: 0,
      ownerUserId: 'zhangsan',
      phone: '13812345678',
      createdAt: now,
      updatedAt: now,
      lastInteractionAt: now,
      ...fields,
    });
    await leads().insert(lead);
    return lead;
  }

  describe('rep lead list and detail', () => {
    it('shows a rep only their own leads, newest first, masked, filtered by stage, page by page', async () => {
      const mine = [await makeLead(), await makeLead({ stage: 'qualified' }), await makeLead()];
      const theirs = await makeLead({ ownerUserId: 'lisi' });
      const page1 = await rep('zhangsan', 'GET', '/leads?limit=2');
      expect(page1.status).toBe(200);
      expect(page1.body.items.map((l: any) => l.id)).toEqual([mine[2].id, mine[1].id]);
      expect(page1.body.items[0].phone).toBe('138****5678');
      const page2 = await rep('zhangsan', 'GET', `/leads?limit=2&cursor=${page1.body.nextCursor}`);
      expect(page2.body.items.map((l: any) => l.id)).toEqual([mine[0].id]);
      expect(page2.body.nextCursor).toBeNull();
      const qualified = await rep('zhangsan', 'GET', '/leads?stage=qualified');
      expect(qualified.body.items.map((l: any) => l.id)).toEqual([mine[1].id]);
      expect((await rep('lisi', 'GET', '/leads')).body.items.map((l: any) => l.id)).toEqual([theirs.id]);

      const detail = await rep('zhangsan', 'GET', `/leads/${mine[0].id}`);
      expect(detail.status).toBe(200);
      expect(detail.body).toMatchObject({ id: mine[0].id, phone: '138****5678', timeline: [] });
      expect((await rep('zhangsan', 'GET', `/leads/${theirs.id}`)).status).toBe(404);
      expect((await rep('zhangsan', 'GET', '/leads/999999')).status).toBe(404);
      expect((await fetch(`${h.url}/api/mp/leads`)).status).toBe(401);
    });
  });

  describe('follow-ups', () => {
    it('the owner logs a follow-up: new → contacted, clocks, timeline, outcome signal; a second keeps the first response', async () => {
      const lead = await makeLead();
      const r = await rep('zhangsan', 'POST', `/leads/${lead.id}/follow-ups`, {
        kind: 'call',
        outcome: 'interested',
        content: '客户对年度方案感兴趣',
      });
      expect(r.status).toBe(201);
      expect(r.body.lead).toEqual({ id: lead.id, stage: 'contacted' });
      expect(r.body.followUp).toMatchObject({ leadId: lead.id, userId: 'zhangsan', kind: 'call', outcome: 'interested', reminderStatus: 'none', nextStepAt: null });

      const after = await leads().findOneByOrFail({ id: lead.id });
      expect(after.stage).toBe('contacted');
      expect(after.firstResponseAt).toBe(Date.parse(r.body.followUp.createdAt));
      expect(after.lastFollowUpAt).toBe(after.firstResponseAt);
      expect(after.stageChangedAt).toBe(after.firstResponseAt);
      const entries = await timeline(lead.id);
      expect(entries.map((e) => [e.kind, e.summary])).toEqual([
        ['follow_up.logged', '电话跟进；结果：有意向'],
        ['stage.changed', '阶段：新线索 → 已联系（已记录跟进）'],
      ]);
      expect(entries[1].data).toMatchObject({ from: 'new', to: 'contacted', at: after.stageChangedAt, by: 'zhangsan' });
      const activities = await h.runtime.ctx.dataSource.getRepository(LeadActivity).findBy({ leadId: lead.id });
      expect(activities.map((a) => [a.kind, a.value])).toEqual([['follow_up_outcome', 'interested']]);

      // A follow-up on a contacted lead changes no stage and keeps the first response time.
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await rep('zhangsan', 'POST', `/leads/${lead.id}/follow-ups`, { kind: 'note', content: '已发资料' });
      expect(second.status).toBe(201);
      expect(second.body.lead.stage).toBe('contacted');
      const again = await leads().findOneByOrFail({ id: lead.id });
      expect(again.firstResponseAt).toBe(after.firstResponseAt);
      expect(again.lastFollowUpAt).toBe(Date.parse(second.body.followUp.createdAt));
      expect(again.lastFollowUpAt!).toBeGreaterThan(after.firstResponseAt!);
      expect((await timeline(lead.id)).filter((e) => e.kind === 'stage.changed')).toHaveLength(1);
      // No outcome, no scoring signal.
      expect(await h.runtime.ctx.dataSource.getRepository(LeadActivity).countBy({ leadId: lead.id })).toBe(1);

      const list = await rep('zhangsan', 'GET', `/leads/${lead.id}/follow-ups`);
      expect(list.body.items.map((f: any) => f.id)).toEqual([second.body.followUp.id, r.body.followUp.id]);
      const adminList = await h.admin('GET', `/api/admin/leads/${lead.id}/follow-ups?limit=1`);
      expect(adminList.status).toBe(200);
      expect(adminList.body.items.map((f: any) => f.id)).toEqual([second.body.followUp.id]);
      const adminPage2 = await h.admin('GET', `/api/admin/leads/${lead.id}/follow-ups?limit=1&cursor=${adminList.body.nextCursor}`);
      expect(adminPage2.body.items.map((f: any) => f.id)).toEqual([r.body.followUp.id]);
    });

    it("another rep's lead is not found, for logging and for reading", async () => {
      const lead = await makeLead({ ownerUserId: 'lisi' });
      const r = await rep('zhangsan', 'POST', `/leads/${lead.id}/follow-ups`, { kind: 'call' });
      expect(r.status).toBe(404);
      expect((await rep('zhangsan', 'GET', `/leads/${lead.id}/follow-ups`)).status).toBe(404);
      // A pool lead is in sight (zhangsan may claim it) but not theirs to work: 403, not 404.
      const pooled = await makeLead({ ownerUserId: null, inPool: true });
      const refused = await rep('zhangsan', 'POST', `/leads/${pooled.id}/follow-ups`, { kind: 'call' });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ error: 'forbidden', message: '只有线索负责人可以记录跟进' });
      expect(await h.runtime.ctx.dataSource.getRepository(FollowUp).countBy({ leadId: lead.id })).toBe(0);
      expect((await leads().findOneByOrFail({ id: lead.id })).stage).toBe('new');
      expect((await rep('lisi', 'POST', `/leads/${lead.id}/follow-ups`, { kind: 'visit' })).status).toBe(201);
    });

    it('validates the input', async () => {
      const lead = await makeLead();
      const bad = await rep('zhangsan', 'POST', `/leads/${lead.id}/follow-ups`, { kind: 'fax', nextStepNote: '回访' });
      expect(bad.status).toBe(400);
      expect(bad.body.fields.map((f: any) => f.path)).toEqual(expect.arrayContaining(['kind']));
      const past = await rep('zhangsan', 'POST', `/leads/${lead.id}/follow-ups`, { kind: 'call', nextStepAt: Date.now() - 3600_000 });
      expect(past.status).toBe(400);
      expect(past.body.message).toBe('下一步时间不能早于现在');
      expect(await h.runtime.ctx.dataSource.getRepository(FollowUp).countBy({ leadId: lead.id })).toBe(0);
    });
  });

  describe('reminders', () => {
    const remindersFor = (followUpId: number) =>
      h.sim.state.appMessages.items.filter((m) => JSON.stringify(m.content).includes(`跟进记录 ${followUpId}）`));

    it('is a scheduled task that runs every minute', () => {
      expect(scheduledTasks.find((t) => t.name === 'follow-up-reminders')?.cron).toBe('* * * * *');
    });

    it('a due next step reminds the owner exactly once, even with two ticks racing; a later one waits', async () => {
      const lead = await makeLead({ name: '王女士' });
      const now = Date.now();
      const soon = await rep('zhangsan', 'POST', `/leads/${lead.id}/follow-ups`, {
        kind: 'wecom_chat',
        outcome: 'quoted',
        nextStepAt: new Date(now + 3600_000).toISOString(),
        nextStepNote: '确认报价',
      });
      expect(soon.status).toBe(201);
      expect(soon.body.followUp.reminderStatus).toBe('pending');
      const later = await rep('zhangsan', 'POST', `/leads/${lead.id}/follow-ups`, { kind: 'call', nextStepAt: now + 5 * 3600_000 });
      const soonId: number = soon.body.followUp.id;
      const laterId: number = later.body.followUp.id;

      // Let the re-score the outcome queued finish first, so only the ticks touch the database below.
      await queuesSettled(h);
      // Before anything is due: nothing.
      expect(await sendDueReminders(h.runtime.ctx, now + 60_000)).toEqual({ sent: 0 });

      const tick = now + 2 * 3600_000;
      const [a, b] = await Promise.all([sendDueReminders(h.runtime.ctx, tick), sendDueReminders(h.runtime.ctx, tick)]);
      expect(a.sent + b.sent).toBe(1);
      expect((await sendDueReminders(h.runtime.ctx, tick)).sent).toBe(0);
      await queuesSettled(h);

      const messages = remindersFor(soonId);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({ touser: ['zhangsan'], deduplicated: false, msgtype: 'text' });
      const content = (messages[0].content as { content: string }).content;
      expect(content).toContain('王女士');
      expect(content).toContain(`#${lead.id}`);
      expect(content).toContain('确认报价');
      expect(h.sim.successfulCalls('message/send').filter((c) => JSON.stringify(c.body).includes(`跟进记录 ${soonId}）`))).toHaveLength(1);
      expect(remindersFor(laterId)).toHaveLength(0);

      const repo = h.runtime.ctx.dataSource.getRepository(FollowUp);
      expect((await repo.findOneByOrFail({ id: soonId })).reminderStatus).toBe('sent');
      expect((await repo.findOneByOrFail({ id: laterId })).reminderStatus).toBe('pending');
      expect(await h.runtime.ctx.dataSource.getRepository(Job).countBy({ dedupKey: `reminder:${soonId}` })).toBe(1);
      expect((await timeline(lead.id)).filter((e) => e.kind === 'owner.notified').map((e) => e.summary)).toEqual([
        '已提醒 zhangsan：「确认报价」已到时间',
      ]);

      // The later one fires when its time comes, once; the first never again.
      await sendDueReminders(h.runtime.ctx, now + 6 * 3600_000);
      await sendDueReminders(h.runtime.ctx, now + 6 * 3600_000);
      await queuesSettled(h);
      expect(remindersFor(laterId)).toHaveLength(1);
      expect(remindersFor(soonId)).toHaveLength(1);
    });

    it('an instance holding a stale copy of a reminder someone else already sent does not send it again', async () => {
      const lead = await makeLead({ name: '李先生' });
      const r = await rep('zhangsan', 'POST', `/leads/${lead.id}/follow-ups`, { kind: 'visit', nextStepAt: Date.now() + 60_000 });
      await queuesSettled(h);
      const stale = await h.runtime.ctx.dataSource.getRepository(FollowUp).findOneByOrFail({ id: r.body.followUp.id });
      expect(stale.reminderStatus).toBe('pending');
      expect(await remindOnce(h.runtime.ctx, stale)).toBe(true);
      expect(await remindOnce(h.runtime.ctx, stale)).toBe(false);
      await queuesSettled(h);
      expect(remindersFor(stale.id)).toHaveLength(1);
      expect((remindersFor(stale.id)[0].content as { content: string }).content).toContain(`「李先生」#${lead.id}`);
    });
  });

  describe('stages', () => {
    it('allows every allowed transition, through the rep and the admin API', async () => {
      const allowed = Object.entries(ALLOWED_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => [from, to] as [LeadStage, LeadStage]));
      expect(allowed).toHaveLength(9);
      for (const [i, [from, to]] of allowed.entries()) {
        const lead = await makeLead({ stage: from });
        const r =
          i % 2 === 0
            ? await rep('zhangsan', 'POST', `/leads/${lead.id}/stage`, { stage: to, reason: '测试' })
            : await h.admin('POST', `/api/admin/leads/${lead.id}/stage`, { stage: to });
        expect([from, to, r.status]).toEqual([from, to, 200]);
        // The mini-program gets the lead under `lead`, with the stage's label; the admin API the change itself.
        const changed = i % 2 === 0 ? r.body.lead : r.body;
        expect(changed).toMatchObject({ id: lead.id, from, stage: to });
        if (i % 2 === 0) expect(changed.stageLabel).toBe(STAGE_LABELS[to]);
        const after = await leads().findOneByOrFail({ id: lead.id });
        expect(after.stage).toBe(to);
        expect(after.stageChangedAt).toBe(Date.parse(changed.stageChangedAt));
        const entry = (await timeline(lead.id)).find((e) => e.kind === 'stage.changed')!;
        expect(entry.data).toMatchObject({ from, to, at: after.stageChangedAt, by: i % 2 === 0 ? 'zhangsan' : 'admin' });
      }
    });

    it('refuses every other transition with 409 and the allowed list', async () => {
      let refused = 0;
      for (const from of LEAD_STAGES) {
        const lead = await makeLead({ stage: from });
        for (const to of LEAD_STAGES.filter((s) => !ALLOWED_TRANSITIONS[from].includes(s))) {
          const r = await rep('zhangsan', 'POST', `/leads/${lead.id}/stage`, { stage: to });
          expect(r.status).toBe(409);
          expect(r.body).toMatchObject({ error: 'invalid_transition', from, to, allowed: [...ALLOWED_TRANSITIONS[from]] });
          refused++;
        }
        expect((await leads().findOneByOrFail({ id: lead.id })).stage).toBe(from);
        expect(await timeline(lead.id)).toEqual([]);
      }
      expect(refused).toBe(27);
      const qualified = await makeLead({ stage: 'new' });
      const skip = await h.admin('POST', `/api/admin/leads/${qualified.id}/stage`, { stage: 'qualified' });
      expect(skip.body).toMatchObject({ error: 'invalid_transition', allowed: ['contacted', 'lost'] });
      expect((await h.admin('POST', `/api/admin/leads/${qualified.id}/stage`, { stage: 'bogus' })).status).toBe(400);
    });

    it("another rep's lead is not found", async () => {
      const lead = await makeLead({ ownerUserId: 'lisi' });
      expect((await rep('zhangsan', 'POST', `/leads/${lead.id}/stage`, { stage: 'contacted' })).status).toBe(404);
      expect((await leads().findOneByOrFail({ id: lead.id })).stage).toBe('new');
    });

    it('walks a lead to won: it becomes a customer; won is final; lost can be reopened', async () => {
      const lead = await makeLead();
      for (const stage of ['contacted', 'qualified', 'opportunity'] as const) {
        expect((await rep('zhangsan', 'POST', `/leads/${lead.id}/stage`, { stage })).status).toBe(200);
      }
      expect((await leads().findOneByOrFail({ id: lead.id })).customerSince).toBeNull();
      const won = await rep('zhangsan', 'POST', `/leads/${lead.id}/stage`, { stage: 'won', reason: '签约' });
      expect(won.status).toBe(200);
      const after = await leads().findOneByOrFail({ id: lead.id });
      expect(after.customerSince).toBe(Date.parse(won.body.lead.customerSince));
      expect(after.customerSince).toBe(after.stageChangedAt);
      expect((await timeline(lead.id)).map((e) => e.summary)).toEqual([
        '阶段：新线索 → 已联系',
        '阶段：已联系 → 已确认意向',
        '阶段：已确认意向 → 商机',
        '阶段：商机 → 已成交（签约）',
        '成为客户',
      ]);
      const back = await rep('zhangsan', 'POST', `/leads/${lead.id}/stage`, { stage: 'lost' });
      expect(back.body).toMatchObject({ error: 'invalid_transition', from: 'won', allowed: [] });

      const dropped = await makeLead({ stage: 'contacted' });
      expect((await rep('zhangsan', 'POST', `/leads/${dropped.id}/stage`, { stage: 'lost', reason: '预算不足' })).status).toBe(200);
      expect((await rep('zhangsan', 'POST', `/leads/${dropped.id}/stage`, { stage: 'contacted' })).status).toBe(200);
      expect((await timeline(dropped.id)).map((e) => e.summary)).toEqual(['阶段：已联系 → 已流失（预算不足）', '阶段：已流失 → 已联系']);
    });

    it('two racing changes from the same stage: one wins, the other gets 409', async () => {
      const lead = await makeLead({ stage: 'opportunity' });
      const results = await Promise.all([
        rep('zhangsan', 'POST', `/leads/${lead.id}/stage`, { stage: 'won' }),
        h.admin('POST', `/api/admin/leads/${lead.id}/stage`, { stage: 'lost' }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      const won = results.find((r) => r.status === 200)!.body;
      const winner = (won.lead ?? won).stage;
      const loser = results.find((r) => r.status === 409)!.body;
      expect(loser).toMatchObject({ error: 'invalid_transition', from: winner, allowed: [...ALLOWED_TRANSITIONS[winner as LeadStage]] });
      expect((await leads().findOneByOrFail({ id: lead.id })).stage).toBe(winner);
      expect((await timeline(lead.id)).filter((e) => e.kind === 'stage.changed')).toHaveLength(1);
    });
  });

  describe('stats on a seeded data set', () => {
    // Two business days in Asia/Shanghai, far from "now" so leads made by the other tests stay out.
    const at = (day: string, time: string) => Date.parse(`2024-03-${day}T${time}:00+08:00`);
    const D1 = '10';
    const D2 = '11';
    let expo: number;
    let store: number;
    const ids: Record<string, number> = {};

    beforeAll(async () => {
      const ds = h.runtime.ctx.dataSource;
      const channel = (name: string, state: string) =>
        ds.getRepository(Channel).save({ name, state, configId: null, qrCode: null, userIds: ['zhangsan'], tagNames: [], welcomeText: null, welcomeMiniprogram: null, createdAt: 1, updatedAt: 1, deletedAt: null });
      expo = (await channel('上海展会', 'statsexpo')).id;
      store = (await channel('12号门店', 'statsstore')).id;

      type Step = [LeadStage, LeadStage, number];
      const seed = async (key: string, f: { createdAt: number; channelId: number | null; owner: string | null; stage: LeadStage; steps?: Step[]; firstResponseAt?: number; mergedIntoId?: number }) => {
        const lead = await makeLead({
          createdAt: f.createdAt,
          updatedAt: f.createdAt,
          channelId: f.channelId,
          ownerUserId: f.owner,
          stage: f.stage,
          firstResponseAt: f.firstResponseAt ?? null,
          mergedIntoId: f.mergedIntoId ?? null,
        });
        for (const [from, to, when] of f.steps ?? []) {
          await addTimelineEntry(ds.manager, { leadId: lead.id, kind: 'stage.changed', summary: `${from} → ${to}`, data: { from, to, at: when }, occurredAt: when });
        }
        ids[key] = lead.id;
      };
      await seed('L1', {
        createdAt: at(D1, '09:00'), channelId: expo, owner: 'zhangsan', stage: 'won', firstResponseAt: at(D1, '09:30'),
        steps: [['new', 'contacted', at(D1, '09:30')], ['contacted', 'qualified', at(D1, '11:00')], ['qualified', 'opportunity', at(D1, '15:00')], ['opportunity', 'won', at(D2, '09:00')]],
      });
      await seed('L2', {
        createdAt: at(D1, '10:00'), channelId: expo, owner: 'zhangsan', stage: 'lost', firstResponseAt: at(D1, '10:10'),
        steps: [['new', 'contacted', at(D1, '10:10')], ['contacted', 'qualified', at(D1, '12:10')], ['qualified', 'opportunity', at(D1, '13:10')], ['opportunity', 'lost', at(D1, '14:10')]],
      });
      await seed('L3', {
        createdAt: at(D1, '11:00'), channelId: expo, owner: 'lisi', stage: 'contacted', firstResponseAt: at(D1, '11:20'),
        steps: [['new', 'contacted', at(D1, '11:20')], ['contacted', 'lost', at(D1, '12:20')], ['lost', 'contacted', at(D1, '14:20')]],
      });
      // 07:00 in Shanghai is the previous day in UTC: still day one here.
      await seed('L4', { createdAt: at(D1, '07:00'), channelId: store, owner: 'lisi', stage: 'new' });
      await seed('L5', {
        createdAt: at(D2, '08:00'), channelId: store, owner: 'zhangsan', stage: 'qualified', firstResponseAt: at(D2, '08:40'),
        steps: [['new', 'contacted', at(D2, '08:40')], ['contacted', 'qualified', at(D2, '09:40')]],
      });
      await seed('L6', {
        createdAt: at(D2, '09:00'), channelId: null, owner: 'lisi', stage: 'won', firstResponseAt: at(D2, '09:05'),
        steps: [['new', 'contacted', at(D2, '09:05')], ['contacted', 'qualified', at(D2, '10:05')], ['qualified', 'opportunity', at(D2, '11:05')], ['opportunity', 'won', at(D2, '12:05')]],
      });
      await seed('L7', { createdAt: at(D2, '23:30'), channelId: null, owner: null, stage: 'lost', steps: [['new', 'lost', at(D2, '23:50')]] });
      // Responded to (a customer reply) without a stage change.
      await seed('L8', { createdAt: at(D2, '12:00'), channelId: store, owner: 'lisi', stage: 'new', firstResponseAt: at(D2, '13:00') });
      // Outside the range (one minute before, the first instant after) and a merged duplicate: never counted.
      await seed('X1', { createdAt: at('09', '23:59'), channelId: expo, owner: 'zhangsan', stage: 'won', firstResponseAt: at(D1, '01:00'), steps: [['opportunity', 'won', at(D1, '02:00')]] });
      await seed('X2', { createdAt: at('12', '00:00'), channelId: expo, owner: 'zhangsan', stage: 'won', steps: [['opportunity', 'won', at('12', '02:00')]] });
      await seed('X3', { createdAt: at(D1, '10:30'), channelId: expo, owner: 'zhangsan', stage: 'won', mergedIntoId: ids.L1, steps: [['new', 'won', at(D1, '10:40')]] });

      const followUp = (userId: string, leadKey: string, createdAt: number) =>
        ds.getRepository(FollowUp).insert({ leadId: ids[leadKey], userId, kind: 'call', reminderStatus: 'none', createdAt });
      await followUp('zhangsan', 'L1', at(D1, '09:30'));
      await followUp('zhangsan', 'L2', at(D1, '10:10'));
      await followUp('zhangsan', 'L5', at(D2, '08:40'));
      await followUp('zhangsan', 'L5', at('12', '10:00'));
      await followUp('lisi', 'L3', at(D1, '11:20'));
      await followUp('lisi', 'L6', at(D2, '09:05'));
      await followUp('wangwu', 'L7', at(D2, '10:00'));
      await followUp('lisi', 'L4', at('09', '23:00'));
    });

    const range = `from=2024-03-${D1}&to=2024-03-${D2}`;

    it('funnel: reached each stage, step conversions, overall new → won', async () => {
      const r = await h.admin('GET', `/api/admin/stats/funnel?${range}`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({
        from: '2024-03-10',
        to: '2024-03-11',
        timezone: 'Asia/Shanghai',
        filter: { channelId: null, ownerUserId: null },
        leads: 8,
        stages: [
          { stage: 'new', reached: 8, conversionToNext: 0.625 },
          { stage: 'contacted', reached: 5, conversionToNext: 0.8 },
          { stage: 'qualified', reached: 4, conversionToNext: 0.75 },
          { stage: 'opportunity', reached: 3, conversionToNext: 0.6667 },
          { stage: 'won', reached: 2, conversionToNext: null },
        ],
        won: 2,
        lost: 2,
        current: { new: 2, contacted: 1, qualified: 1, opportunity: 0, won: 2, lost: 2 },
        overallConversion: 0.25,
      });
    });

    it('funnel filtered by channel and by owner; one day only', async () => {
      const byChannel = (await h.admin('GET', `/api/admin/stats/funnel?${range}&channelId=${expo}`)).body;
      expect(byChannel.leads).toBe(3);
      expect(byChannel.stages.map((s: any) => [s.reached, s.conversionToNext])).toEqual([[3, 1], [3, 0.6667], [2, 1], [2, 0.5], [1, null]]);
      expect(byChannel.overallConversion).toBe(0.3333);
      expect(byChannel.lost).toBe(1);

      const byOwner = (await h.admin('GET', `/api/admin/stats/funnel?${range}&ownerUserId=lisi`)).body;
      expect(byOwner.stages.map((s: any) => s.reached)).toEqual([4, 2, 1, 1, 1]);
      expect(byOwner.overallConversion).toBe(0.25);

      const dayTwo = (await h.admin('GET', '/api/admin/stats/funnel?from=2024-03-11&to=2024-03-11')).body;
      expect(dayTwo.leads).toBe(4);
      expect(dayTwo.stages.map((s: any) => s.reached)).toEqual([4, 2, 2, 1, 1]);
    });

    it('channels: leads, reached, won and conversion per channel and organic', async () => {
      const r = await h.admin('GET', `/api/admin/stats/channels?${range}`);
      expect(r.status).toBe(200);
      expect(r.body.items).toEqual([
        { channelId: expo, attribution: 'channel', name: '上海展会', leads: 3, reached: { new: 3, contacted: 3, qualified: 2, opportunity: 2, won: 1 }, won: 1, lost: 1, conversionRate: 0.3333 },
        { channelId: store, attribution: 'channel', name: '12号门店', leads: 3, reached: { new: 3, contacted: 1, qualified: 1, opportunity: 0, won: 0 }, won: 0, lost: 0, conversionRate: 0 },
        { channelId: null, attribution: 'organic', name: null, leads: 2, reached: { new: 2, contacted: 1, qualified: 1, opportunity: 1, won: 1 }, won: 1, lost: 1, conversionRate: 0.5 },
      ]);
    });

    it('reps: leads, follow-ups in the range, won, conversion, response time', async () => {
      const r = await h.admin('GET', `/api/admin/stats/reps?${range}`);
      expect(r.status).toBe(200);
      expect(r.body.unassignedLeads).toBe(1);
      expect(r.body.items).toEqual([
        { userId: 'lisi', leads: 4, followUps: 2, won: 1, conversionRate: 0.25, responseTime: { count: 3, avgSeconds: 1700, medianSeconds: 1200 }, chatResponseTime: { count: 0, avgSeconds: null, medianSeconds: null, firstAvgSeconds: null } },
        { userId: 'wangwu', leads: 0, followUps: 1, won: 0, conversionRate: null, responseTime: { count: 0, avgSeconds: null, medianSeconds: null }, chatResponseTime: { count: 0, avgSeconds: null, medianSeconds: null, firstAvgSeconds: null } },
        { userId: 'zhangsan', leads: 3, followUps: 3, won: 1, conversionRate: 0.3333, responseTime: { count: 3, avgSeconds: 1600, medianSeconds: 1800 }, chatResponseTime: { count: 0, avgSeconds: null, medianSeconds: null, firstAvgSeconds: null } },
      ]);
    });

    it('stage durations: closed visits only, avg and median seconds', async () => {
      const r = await h.admin('GET', `/api/admin/stats/stage-durations?${range}`);
      expect(r.status).toBe(200);
      expect(r.body.leads).toBe(8);
      expect(r.body.items).toEqual([
        { stage: 'new', visits: 6, avgSeconds: 1250, medianSeconds: 1200 },
        { stage: 'contacted', visits: 5, avgSeconds: 4680, medianSeconds: 3600 },
        { stage: 'qualified', visits: 3, avgSeconds: 7200, medianSeconds: 3600 },
        { stage: 'opportunity', visits: 3, avgSeconds: 24000, medianSeconds: 3600 },
        { stage: 'lost', visits: 1, avgSeconds: 7200, medianSeconds: 7200 },
      ]);
    });

    it('validates the range', async () => {
      expect((await h.admin('GET', '/api/admin/stats/funnel')).status).toBe(400);
      expect((await h.admin('GET', '/api/admin/stats/funnel?from=2024-03-11&to=2024-03-10')).status).toBe(400);
      expect((await h.admin('GET', '/api/admin/stats/reps?from=2023-01-01&to=2024-03-10')).status).toBe(400);
      expect((await fetch(`${h.url}/api/admin/stats/funnel?${range}`)).status).toBe(401);
    });
  });
});
