import path from 'node:path';
import { DEFAULT_CONSENT } from '../src/entries/consent';
import { publishEvent } from '../src/events/publish';
import type { DomainEvent } from '../src/events/types';
import { Lead } from '../src/leads/lead.entity';
import { LeadRecordBatch } from '../src/leads/record-batch';
import { leadTaggedEvent } from '../src/leads/tags/lead-tagged-event';
import { NurtureEnrollment } from '../src/nurture/enrollment/enrollment.entity';
import { enrollOnTag } from '../src/nurture/enrollment/subscribers/enroll-on-tag';
import { gradeMayEnroll, mayExitOn, readSequenceTriggers, tagsMayEnroll } from '../src/nurture/enrollment/trigger-snapshot';
import { EXIT_REASONS, type SequenceInput } from '../src/nurture/sequences/schema';
import { makeChannel, makeMember, signIn } from './support/factories';
import { eventually, Harness, queuesSettled, startHarness } from './support/harness';
import { mpCall } from './support/mp-client';

/** A sequence as a marketer would create it through the admin API (docs/api.md §22). */
const sequence = (key: string, name: string, triggers: SequenceInput['triggers'], exits?: SequenceInput['exits']): SequenceInput => ({
  key,
  name,
  triggers,
  steps: [{ id: 'hello', delay: { from: 'enrollment', hours: 2 }, action: { type: 'push_content', text: { content: '您好，这是产品资料。' } } }],
  ...(exits ? { exits } : {}),
});

/**
 * Nurture's triggers and exits other than capture and stage (issue 11), end to end: a real
 * service, the WeCom simulator over HTTP, a real database. Tags come from a rep's edit in the
 * mini-program, WeCom's edit callback, a channel, a web form and a store entry; grades from a
 * re-score; the customer deleting the rep from WeCom's callback; messages are published as the
 * chat archive will publish them.
 */
describe('nurture enrollment by tag and score band, exits on deletion, reply and opt-out keyword', () => {
  let h: Harness;
  let plain: { id: number; state: string; name: string };
  let vip: { id: number; state: string; name: string };
  let store: { id: number; name: string; tagName: string };
  let tagIds: Record<string, string>;
  const tokens: Record<string, string> = {};
  const formsConfig = process.env.FORMS_CONFIG;
  const ds = () => h.runtime.ctx.dataSource;

  beforeAll(async () => {
    // The web form whose tag a sequence names: only configured forms take submissions.
    process.env.FORMS_CONFIG = path.join(__dirname, 'support', 'nurture-forms.json');
    h = await startHarness({ simulator: { members: [{ userid: 'rep-a' }, { userid: 'rep-b' }] } });
    const group = h.sim.state.addCorpTags({ groupName: '客户意向' }, [{ name: '高意向' }, { name: '老客户' }, { name: '无人关注' }]);
    tagIds = Object.fromEntries(group.tag.map((t) => [t.name, t.id]));
    plain = await makeChannel(h, { name: '官网渠道', userIds: ['rep-a'] });
    vip = await makeChannel(h, { name: '展会渠道', userIds: ['rep-a'], tags: ['展会VIP'] });
    const created = await h.admin('POST', '/api/admin/stores', { name: '静安店' });
    expect(created.status).toBe(201);
    store = created.body;
    await makeMember(h, 'rep-a', { roles: ['rep'], name: '张三' });
    await makeMember(h, 'rep-b', { roles: ['rep'], name: '李四' });
    await makeMember(h, 'clerk', { roles: ['store_staff'], storeId: store.id });
    for (const who of ['rep-a', 'clerk']) tokens[who] = (await signIn(h, who)).accessToken;

    const keepOn = (...on: Array<(typeof EXIT_REASONS)[number]>) => ({ on: ['customer_deleted_rep', 'sequence_end', ...on] as typeof on });
    for (const body of [
      sequence('by-tag', '标签培育', [
        { type: 'tag_added', tag: '高意向' },
        { type: 'tag_added', tag: '老客户' },
        { type: 'tag_added', tag: '展会VIP' },
        { type: 'tag_added', tag: '官网试用' },
        { type: 'tag_added', tag: store.tagName },
      ]),
      sequence('band-a', 'A 类培育', [{ type: 'score_band', grade: 'A' }]),
      sequence('all-exits', '全部退出', [{ type: 'manual' }]),
      sequence('opt-out-only', '仅退订退出', [{ type: 'manual' }], keepOn('opt_out_keyword')),
      sequence('reply-only', '仅回复退出', [{ type: 'manual' }], keepOn('customer_reply')),
      sequence('own-keywords', '自定义退订词', [{ type: 'manual' }], { on: [...EXIT_REASONS], optOutKeywords: ['停止'] }),
    ]) {
      const r = await h.admin('POST', '/api/admin/nurture/sequences', body);
      expect(r.status).toBe(201);
    }
  });
  afterAll(async () => {
    if (formsConfig === undefined) delete process.env.FORMS_CONFIG;
    else process.env.FORMS_CONFIG = formsConfig;
    await h?.close();
  });

  async function addThrough(state: string, name: string, userId = 'rep-a', externalUserId?: string): Promise<Lead> {
    const added = await h.driver.customerAddsRep({ userId, state, externalUserId, customer: { name } as never });
    await queuesSettled(h);
    return eventually(() => ds().getRepository(Lead).findOneBy({ externalUserId: added.externalUserId }));
  }
  const enrollments = async (leadId: number) =>
    (await ds().getRepository(NurtureEnrollment).find({ where: { leadId }, order: { id: 'ASC' } })).map((e) => [e.sequenceKey, e.status, e.reason, e.reasonDetail, e.exitReason]);
  const statusOf = async (leadId: number) =>
    Object.fromEntries((await ds().getRepository(NurtureEnrollment).find({ where: { leadId }, order: { id: 'ASC' } })).map((e) => [e.sequenceKey, e.exitReason ?? e.status]));
  const timeline = async (leadId: number, kindPrefix = 'nurture.') =>
    ((await ds().query(`SELECT kind, summary FROM timeline_entry WHERE lead_id = ? ORDER BY id`, [leadId])) as Array<{ kind: string; summary: string }>)
      .filter((t) => t.kind.startsWith(kindPrefix))
      .map((t) => t.summary);
  /** The event jobs of one kind published for a lead. */
  const eventJobs = async (eventName: string, leadId: number) =>
    ((await ds().query(`SELECT payload FROM job WHERE kind = ?`, [`event:${eventName}`])) as Array<{ payload: string }>)
      .map((j) => JSON.parse(j.payload))
      .filter((p) => p.event.payload.leadId === leadId);
  const enrollByHand = async (leadId: number, ...keys: string[]) => {
    for (const sequenceKey of keys) expect((await h.admin('POST', '/api/admin/nurture/enrollments', { leadId, sequenceKey })).status).toBe(201);
  };
  const publish = async (event: DomainEvent) => {
    await ds().transaction((m) => publishEvent(m, event));
    await queuesSettled(h);
  };
  let msgSeq = 0;
  const message = (lead: Lead, text: string | null, sentAt = Date.now(), msgid = `msg-${++msgSeq}`): DomainEvent<'customer.message_received'> => ({
    name: 'customer.message_received',
    key: `customer.message_received:${msgid}`,
    occurredAt: sentAt,
    payload: { leadId: lead.id, externalUserId: lead.externalUserId!, userId: 'rep-a', msgid, text, sentAt },
  });

  it("a rep's tag edit enrolls in the sequence naming the tag; a lead already in it is not enrolled twice; a tag no sequence names writes no event", async () => {
    const lead = await addThrough(plain.state, '标签客户');
    const edit = (tags: string[]) => mpCall(h, tokens['rep-a'], 'PUT', `/leads/${lead.id}/tags`, { tags });
    expect((await edit(['高意向'])).status).toBe(200);
    await queuesSettled(h);
    expect(await enrollments(lead.id)).toEqual([['by-tag', 'active', 'tag_added', '高意向', null]]);
    expect(await timeline(lead.id)).toEqual(['加入培育序列「标签培育」：获得标签「高意向」']);

    // Another tag the same sequence names: the event runs, the lead stays in it once.
    expect((await edit(['高意向', '老客户'])).status).toBe(200);
    await queuesSettled(h);
    expect((await eventJobs('lead.tagged', lead.id)).map((p) => p.event.payload)).toEqual([
      { leadId: lead.id, tags: ['高意向'], source: 'member' },
      { leadId: lead.id, tags: ['老客户'], source: 'member' },
    ]);
    expect(await enrollments(lead.id)).toEqual([['by-tag', 'active', 'tag_added', '高意向', null]]);
    expect(await timeline(lead.id)).toHaveLength(1);

    // The subscribers read the sequences just now: no sequence names 无人关注, so tagging with it
    // costs no job; the tags the lead had are no news either.
    await readSequenceTriggers(ds().manager);
    expect(tagsMayEnroll(['无人关注'])).toBe(false);
    expect(tagsMayEnroll(['无人关注', '老客户'])).toBe(true);
    expect((await edit(['高意向', '老客户', '无人关注'])).status).toBe(200);
    await queuesSettled(h);
    expect(await eventJobs('lead.tagged', lead.id)).toHaveLength(2);
    expect(await enrollments(lead.id)).toHaveLength(1);
  });

  it('a WeCom tag sync (edit_external_contact with a new tag) enrolls; the callback delivered three times enrolls once', async () => {
    const lead = await addThrough(plain.state, '企微标签客户');
    h.sim.state.markTags(h.sim.state.follow('rep-a', lead.externalUserId!)!, [tagIds['老客户']], []);
    await h.driver.customerEdited({ userId: 'rep-a', externalUserId: lead.externalUserId!, retries: 2 });
    await queuesSettled(h);
    expect(await enrollments(lead.id)).toEqual([['by-tag', 'active', 'tag_added', '老客户', null]]);
    expect(await timeline(lead.id)).toEqual(['加入培育序列「标签培育」：获得标签「老客户」']);
    expect((await eventJobs('lead.tagged', lead.id)).map((p) => p.event.payload)).toEqual([{ leadId: lead.id, tags: ['老客户'], source: 'wecom' }]);
  });

  it("a channel's tag at capture enrolls (lead.captured's channelTags); a second add through it does not enroll again", async () => {
    const lead = await addThrough(vip.state, '展会VIP客户');
    expect(await enrollments(lead.id)).toEqual([['by-tag', 'active', 'tag_added', '展会VIP', null]]);
    await addThrough(vip.state, '展会VIP客户', 'rep-b', lead.externalUserId!);
    expect(await enrollments(lead.id)).toHaveLength(1);
    expect(await timeline(lead.id)).toEqual(['加入培育序列「标签培育」：获得标签「展会VIP」']);
  });

  it("a web form's tag enrolls; the same customer submitting again publishes no lead.tagged", async () => {
    const submit = (name: string) =>
      fetch(`${h.url}/api/public/forms/nurture-trial/submissions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
        body: JSON.stringify({ name, phone: '13800138111' }),
      });
    expect((await submit('表单客户')).status).toBe(201);
    await queuesSettled(h);
    const lead = await ds().getRepository(Lead).findOneByOrFail({ phone: '13800138111' });
    expect(await enrollments(lead.id)).toEqual([['by-tag', 'active', 'tag_added', '官网试用', null]]);
    expect((await submit('表单客户')).status).toBe(201);
    await queuesSettled(h);
    expect((await eventJobs('lead.tagged', lead.id)).map((p) => p.event.payload)).toEqual([{ leadId: lead.id, tags: ['官网试用'], source: 'form' }]);
    expect(await enrollments(lead.id)).toHaveLength(1);
  });

  it("a store entry's tag enrolls", async () => {
    const r = await mpCall(h, tokens.clerk, 'POST', '/entries', { consent: true, consentVersion: DEFAULT_CONSENT.version, name: '门店客户', phone: '13800138222' });
    expect(r.status).toBe(201);
    await queuesSettled(h);
    expect(await enrollments(r.body.entry.leadId)).toEqual([['by-tag', 'active', 'tag_added', store.tagName, null]]);
    expect(await timeline(r.body.entry.leadId)).toEqual([`加入培育序列「标签培育」：获得标签「${store.tagName}」`]);
  });

  it('a grade change enrolls in the score band named; a grade no sequence names writes no event', async () => {
    const lead = await addThrough(plain.state, '评级客户');
    expect(lead.grade).toBe('C');
    // 扫码 10 + 制造业 15 + 500 人以上 15 + 预算 20 + 决策人 10 = 70: grade A (config/scoring.json).
    const r = await h.admin('PATCH', `/api/admin/leads/${lead.id}/attributes`, { industry: '制造业', companySize: 600, budget: 200000, isDecisionMaker: true });
    expect(r.status).toBe(200);
    await queuesSettled(h);
    expect((await ds().getRepository(Lead).findOneByOrFail({ id: lead.id })).grade).toBe('A');
    expect(await enrollments(lead.id)).toEqual([['band-a', 'active', 'score_band', 'A', null]]);
    expect(await timeline(lead.id)).toEqual(['加入培育序列「A 类培育」：评级变为 A 类']);
    expect((await eventJobs('lead.grade_changed', lead.id)).map((p) => p.event.payload)).toEqual([{ leadId: lead.id, from: 'C', to: 'A', score: 70 }]);

    const b = await addThrough(plain.state, '评级客户乙');
    await readSequenceTriggers(ds().manager);
    expect([gradeMayEnroll('B'), gradeMayEnroll('A')]).toEqual([false, true]);
    // 10 + 15 + 20 = 45: grade B, which no sequence names.
    expect((await h.admin('PATCH', `/api/admin/leads/${b.id}/attributes`, { industry: '制造业', budget: 200000 })).status).toBe(200);
    await queuesSettled(h);
    expect((await ds().getRepository(Lead).findOneByOrFail({ id: b.id })).grade).toBe('B');
    expect(await eventJobs('lead.grade_changed', b.id)).toEqual([]);
    expect(await enrollments(b.id)).toEqual([]);
  });

  it('the customer deleting the rep (del_follow_user) exits; a rep deleting the customer does not, nor the customer deleting a rep other than the owner', async () => {
    const kept = await addThrough(plain.state, '被删客户');
    await enrollByHand(kept.id, 'all-exits', 'reply-only');
    await h.driver.repDeletesCustomer({ userId: 'rep-a', externalUserId: kept.externalUserId! });
    await queuesSettled(h);
    expect(await statusOf(kept.id)).toEqual({ 'all-exits': 'active', 'reply-only': 'active' });
    // Not even a job: nurture does not want a relation lost that way.
    expect(await eventJobs('lead.relation_lost', kept.id)).toEqual([]);

    const lead = await addThrough(plain.state, '删员工客户');
    await addThrough(plain.state, '删员工客户', 'rep-b', lead.externalUserId!);
    expect((await ds().getRepository(Lead).findOneByOrFail({ id: lead.id })).ownerUserId).toBe('rep-a');
    await enrollByHand(lead.id, 'all-exits', 'reply-only');
    // rep-b is gone, the owner who sends the pushes is not: the lead stays in.
    await h.driver.customerDeletesRep({ userId: 'rep-b', externalUserId: lead.externalUserId! });
    await queuesSettled(h);
    expect(await statusOf(lead.id)).toEqual({ 'all-exits': 'active', 'reply-only': 'active' });

    // The owner deleted, the callback delivered twice: out of both, once.
    await h.driver.customerDeletesRep({ userId: 'rep-a', externalUserId: lead.externalUserId!, retries: 1 });
    await queuesSettled(h);
    expect(await statusOf(lead.id)).toEqual({ 'all-exits': 'customer_deleted_rep', 'reply-only': 'customer_deleted_rep' });
    expect(await timeline(lead.id, 'nurture.exited')).toEqual(['退出培育序列「全部退出」：客户已删除员工', '退出培育序列「仅回复退出」：客户已删除员工']);
  });

  it('a message that is an opt-out keyword exits opt_out_keyword, other text customer_reply, each sequence by its own exits and keywords; a re-delivered message exits once', async () => {
    const sequences = ['all-exits', 'opt-out-only', 'reply-only', 'own-keywords'];
    const [optOut, td, wide, chat] = [
      await addThrough(plain.state, '退订客户'),
      await addThrough(plain.state, 'TD客户'),
      await addThrough(plain.state, '全角客户'),
      await addThrough(plain.state, '回复客户'),
    ];
    for (const lead of [optOut, td, wide, chat]) await enrollByHand(lead.id, ...sequences);
    await readSequenceTriggers(ds().manager);
    expect(mayExitOn(['customer_reply', 'opt_out_keyword'])).toBe(true);

    await publish(message(optOut, '退订'));
    // A keyword is a reply too: reply-only ends as replied; own-keywords only knows 停止.
    expect(await statusOf(optOut.id)).toEqual({ 'all-exits': 'opt_out_keyword', 'opt-out-only': 'opt_out_keyword', 'reply-only': 'customer_reply', 'own-keywords': 'customer_reply' });
    expect(await timeline(optOut.id, 'nurture.opted_out')).toEqual(['客户发送了退订关键词「退订」']);
    expect(await timeline(optOut.id, 'nurture.exited')).toEqual([
      '退出培育序列「全部退出」：客户发送了退订关键词',
      '退出培育序列「仅退订退出」：客户发送了退订关键词',
      '退出培育序列「仅回复退出」：客户已回复',
      '退出培育序列「自定义退订词」：客户已回复',
    ]);

    // Spaces around and any case: 「TD 」 is TD.
    await publish(message(td, 'TD '));
    expect(await statusOf(td.id)).toEqual({ 'all-exits': 'opt_out_keyword', 'opt-out-only': 'opt_out_keyword', 'reply-only': 'customer_reply', 'own-keywords': 'customer_reply' });
    expect(await timeline(td.id, 'nurture.opted_out')).toEqual(['客户发送了退订关键词「TD」']);
    // Typed on a Chinese keyboard: full-width ｔｄ is td.
    await publish(message(wide, 'ｔｄ'));
    expect((await statusOf(wide.id))['all-exits']).toBe('opt_out_keyword');

    const question = message(chat, '请问 TD 是什么意思？');
    await publish(question);
    // Not a keyword as a whole: a reply. opt-out-only does not exit on replies and keeps the lead.
    expect(await statusOf(chat.id)).toEqual({ 'all-exits': 'customer_reply', 'opt-out-only': 'active', 'reply-only': 'customer_reply', 'own-keywords': 'customer_reply' });
    expect(await timeline(chat.id, 'nurture.opted_out')).toEqual([]);
    const exits = await timeline(chat.id, 'nurture.exited');
    expect(exits).toHaveLength(3);

    // The same message again (a re-delivery): nothing more, not even a job.
    await publish(question);
    expect(await timeline(chat.id, 'nurture.exited')).toEqual(exits);
    expect((await eventJobs('customer.message_received', chat.id)).filter((p) => p.event.key === question.key)).toHaveLength(1);
    // Enrolled again, a message sent before that does not take it out; one sent after does.
    await enrollByHand(chat.id, 'all-exits');
    await publish(message(chat, '好的', Date.now() - 60_000));
    expect((await statusOf(chat.id))['all-exits']).toBe('active');
    // Not text (an image, a voice note): a reply all the same.
    await publish(message(chat, null));
    expect((await statusOf(chat.id))['all-exits']).toBe('customer_reply');
  });

  it('a re-run of lead.tagged enrolls nothing again, even after the lead has left the sequence', async () => {
    const lead = await addThrough(plain.state, '重放客户');
    const event = leadTaggedEvent({ leadId: lead.id, tags: ['高意向'], source: 'nurture', cause: 'test:replay', at: Date.now() });
    await publish(event);
    await publish(event);
    expect(await eventJobs('lead.tagged', lead.id)).toHaveLength(1);
    const [row] = await ds().getRepository(NurtureEnrollment).findBy({ leadId: lead.id });
    expect(row).toMatchObject({ sequenceKey: 'by-tag', status: 'active' });
    expect((await h.admin('DELETE', `/api/admin/nurture/enrollments/${row.id}`)).status).toBe(200);
    // The subscriber run again for the same event (a replayed dead job): keyed by the run, it enrolls nobody.
    const rerun = { key: `${enrollOnTag.name}@${event.key}`, records: new LeadRecordBatch() };
    await enrollOnTag.handle(event, h.runtime.ctx, rerun);
    expect(rerun.records.timeline).toEqual([]);
    expect(await enrollments(lead.id)).toEqual([['by-tag', 'exited', 'tag_added', '高意向', 'manual']]);
  });

  it('a customer who opted out, or a lead past the stages a sequence stops at, is not enrolled again in it', async () => {
    const optedOut = await addThrough(plain.state, '已退订客户');
    await enrollByHand(optedOut.id, 'all-exits');
    await publish(message(optedOut, '退订'));
    const again = await h.admin('POST', '/api/admin/nurture/enrollments', { leadId: optedOut.id, sequenceKey: 'all-exits' });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('opted_out');
    // …nor by a tag later on; a sequence that does not stop on 退订 still takes it.
    await publish(leadTaggedEvent({ leadId: optedOut.id, tags: ['高意向'], source: 'member', cause: 'test:after-opt-out', at: Date.now() }));
    expect((await statusOf(optedOut.id))['by-tag']).toBeUndefined();
    await enrollByHand(optedOut.id, 'reply-only');

    const won = await addThrough(plain.state, '已成交客户');
    for (const stage of ['contacted', 'qualified', 'opportunity', 'won']) expect((await h.admin('POST', `/api/admin/leads/${won.id}/stage`, { stage })).status).toBe(200);
    await queuesSettled(h);
    const late = await h.admin('POST', '/api/admin/nurture/enrollments', { leadId: won.id, sequenceKey: 'all-exits' });
    expect(late.status).toBe(409);
    expect(late.body.error).toBe('past_sequence');
  });
});
