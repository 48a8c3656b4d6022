import { Lead } from '../src/leads/lead.entity';
import { captureMayEnroll } from '../src/nurture/enrollment/trigger-snapshot';
import { enrollLead } from '../src/nurture/enrollment/enroll-lead';
import { NurtureEnrollment } from '../src/nurture/enrollment/enrollment.entity';
import { exitEnrollments } from '../src/nurture/enrollment/exit-enrollments';
import type { SequenceInput } from '../src/nurture/sequences/schema';
import { makeChannel } from './support/factories';
import { eventually, Harness, queuesSettled, startHarness } from './support/harness';

/** A sequence as a marketer would create it through the admin API (docs/api.md §22). */
const sequence = (key: string, name: string, triggers: SequenceInput['triggers']): SequenceInput => ({
  key,
  name,
  triggers,
  steps: [
    { id: 'hello', delay: { from: 'enrollment', hours: 2 }, action: { type: 'push_content', text: { content: '您好，这是展会资料。' } } },
    { id: 'remind', delay: { from: 'previous_step', days: 1 }, action: { type: 'remind_rep', text: '请回访客户。' } },
  ],
});

describe('nurture enrollment and exits (subscribers of domain events)', () => {
  let h: Harness;
  let expo: { id: number; state: string; name: string };
  let plain: { id: number; state: string; name: string };
  const ds = () => h.runtime.ctx.dataSource;

  beforeAll(async () => {
    h = await startHarness({ simulator: { members: [{ userid: 'zhangsan' }, { userid: 'lisi' }] } });
    expo = await makeChannel(h, { name: '展会渠道', userIds: ['zhangsan', 'lisi'] });
    plain = await makeChannel(h, { name: '官网渠道' });
    for (const body of [
      sequence('expo-nurture', '展会培育', [{ type: 'channel_capture', channel: { state: expo.state } }]),
      sequence('expo-by-id', '展会培育（按编号）', [{ type: 'channel_capture', channel: { id: expo.id } }, { type: 'manual' }]),
      sequence('by-hand', '手动培育', [{ type: 'manual' }]),
    ]) {
      const r = await h.admin('POST', '/api/admin/nurture/sequences', body);
      expect(r.status).toBe(201);
    }
  });
  afterAll(async () => h?.close());

  async function leadOf(externalUserId: string): Promise<Lead> {
    return eventually(() => ds().getRepository(Lead).findOneBy({ externalUserId }));
  }
  async function addThrough(state: string, name: string, userId = 'zhangsan', externalUserId?: string): Promise<Lead> {
    const added = await h.driver.customerAddsRep({ userId, state, externalUserId, customer: { name } as never, retries: 2 });
    await queuesSettled(h);
    return leadOf(added.externalUserId);
  }
  const enrollments = (leadId: number) => ds().getRepository(NurtureEnrollment).find({ where: { leadId }, order: { id: 'ASC' } });
  const timeline = async (leadId: number, kindPrefix = 'nurture.') =>
    (await ds().query(`SELECT kind, summary FROM timeline_entry WHERE lead_id = ? ORDER BY id`, [leadId])).filter((t: { kind: string }) =>
      t.kind.startsWith(kindPrefix),
    ) as Array<{ kind: string; summary: string }>;
  const moveStage = async (leadId: number, ...stages: string[]) => {
    for (const stage of stages) expect((await h.admin('POST', `/api/admin/leads/${leadId}/stage`, { stage })).status).toBe(200);
    await queuesSettled(h);
  };

  it('an add through the channel enrolls once per sequence, by state and by id; a re-delivered callback or a second add does not enroll again', async () => {
    const lead = await addThrough(expo.state, '展会客户甲');
    let rows = await enrollments(lead.id);
    expect(rows.map((r) => [r.sequenceKey, r.status, r.reason, r.reasonDetail]).sort()).toEqual([
      ['expo-by-id', 'active', 'channel_capture', '展会渠道'],
      ['expo-nurture', 'active', 'channel_capture', '展会渠道'],
    ]);
    expect(rows[0].nextDueAt! - rows[0].enrolledAt).toBe(2 * 3600_000);
    expect((await timeline(lead.id)).map((t) => t.summary).sort()).toEqual([
      '加入培育序列「展会培育」：通过渠道「展会渠道」添加',
      '加入培育序列「展会培育（按编号）」：通过渠道「展会渠道」添加',
    ]);

    // The same customer adds a second rep through the same channel: captured again, not enrolled again.
    await addThrough(expo.state, '展会客户甲', 'lisi', lead.externalUserId!);
    rows = await enrollments(lead.id);
    expect(rows).toHaveLength(2);
    expect(await timeline(lead.id)).toHaveLength(2);
  });

  it('an add through a channel no sequence names enrolls nothing, and wants no job for it', async () => {
    const lead = await addThrough(plain.state, '官网客户');
    expect(await enrollments(lead.id)).toEqual([]);
    // The subscriber read the sequences just now: the channel is known to be named by none.
    expect(captureMayEnroll(plain.id)).toBe(false);
    expect(captureMayEnroll(expo.id)).toBe(true);
    expect(captureMayEnroll(null)).toBe(false);
    const jobs = await ds().query(`SELECT payload FROM job WHERE kind = 'event:lead.captured'`);
    const forPlain = jobs.map((j: { payload: string }) => JSON.parse(j.payload)).filter((p: any) => p.event.payload.leadId === lead.id);
    expect(forPlain.length).toBeGreaterThan(0);
    expect(forPlain.every((p: any) => !p.subscribers.includes('nurture-enroll-on-capture'))).toBe(true);
  });

  it('a lead lost, or reaching SQL (stage qualified), exits with the reason on its timeline', async () => {
    const lost = await addThrough(expo.state, '展会客户乙');
    expect(await enrollments(lost.id)).toHaveLength(2);
    await moveStage(lost.id, 'lost');
    const rows = await enrollments(lost.id);
    expect(rows.map((r) => [r.status, r.exitReason, r.activeKey])).toEqual([
      ['exited', 'lost', null],
      ['exited', 'lost', null],
    ]);
    expect(rows.every((r) => r.exitedAt !== null && r.nextDueAt === null)).toBe(true);
    expect((await timeline(lost.id, 'nurture.exited')).map((t) => t.summary).sort()).toEqual([
      '退出培育序列「展会培育」：已流失',
      '退出培育序列「展会培育（按编号）」：已流失',
    ]);

    const sql = await addThrough(expo.state, '展会客户丙');
    await moveStage(sql.id, 'contacted');
    expect((await enrollments(sql.id)).every((r) => r.status === 'active')).toBe(true);
    await moveStage(sql.id, 'qualified');
    expect((await enrollments(sql.id)).map((r) => r.exitReason)).toEqual(['reached_sql', 'reached_sql']);
    expect((await timeline(sql.id, 'nurture.exited')).map((t) => t.summary)).toContain('退出培育序列「展会培育」：客户已确认意向');
  });

  it('manual enrollment and exit through the admin API; a lead reaching SQL exits and is not enrolled again', async () => {
    const lead = await addThrough(plain.state, '手动客户');
    const enrolled = await h.admin('POST', '/api/admin/nurture/enrollments', { leadId: lead.id, sequenceKey: 'by-hand' });
    expect(enrolled.status).toBe(201);
    expect(enrolled.body.enrollment).toMatchObject({ leadId: lead.id, sequenceKey: 'by-hand', status: 'active', reason: 'manual', exitedAt: null });
    expect((await h.admin('POST', '/api/admin/nurture/enrollments', { leadId: lead.id, sequenceKey: 'by-hand' })).status).toBe(409);
    expect((await h.admin('POST', '/api/admin/nurture/enrollments', { leadId: lead.id, sequenceKey: 'no-such' })).status).toBe(404);
    expect((await h.admin('POST', '/api/admin/nurture/enrollments', { leadId: 999999, sequenceKey: 'by-hand' })).status).toBe(404);
    expect((await h.admin('POST', '/api/admin/nurture/enrollments', { leadId: lead.id })).status).toBe(400);

    const exited = await h.admin('DELETE', `/api/admin/nurture/enrollments/${enrolled.body.enrollment.id}`);
    expect(exited.status).toBe(200);
    expect(exited.body.enrollment).toMatchObject({ status: 'exited', exitReason: 'manual' });
    expect((await h.admin('DELETE', `/api/admin/nurture/enrollments/${enrolled.body.enrollment.id}`)).status).toBe(409);
    expect((await h.admin('DELETE', `/api/admin/nurture/enrollments/999999`)).status).toBe(404);
    expect((await timeline(lead.id)).map((t) => t.summary)).toEqual(['加入培育序列「手动培育」：管理员手动加入', '退出培育序列「手动培育」：管理员手动退出']);

    // Out, it may be enrolled again; then qualified (SQL), it exits, and past that it cannot come back.
    await moveStage(lead.id, 'contacted');
    expect((await h.admin('POST', '/api/admin/nurture/enrollments', { leadId: lead.id, sequenceKey: 'by-hand' })).status).toBe(201);
    expect((await h.admin('POST', '/api/admin/nurture/enrollments', { leadId: lead.id, sequenceKey: 'expo-by-id' })).status).toBe(201);
    await moveStage(lead.id, 'qualified', 'opportunity', 'won');
    const rows = await enrollments(lead.id);
    expect(rows.map((r) => [r.sequenceKey, r.status, r.exitReason])).toEqual([
      ['by-hand', 'exited', 'manual'],
      ['by-hand', 'exited', 'reached_sql'],
      ['expo-by-id', 'exited', 'reached_sql'],
    ]);
    expect((await timeline(lead.id)).map((t) => t.summary)).toContain('退出培育序列「手动培育」：客户已确认意向');
    const late = await h.admin('POST', '/api/admin/nurture/enrollments', { leadId: lead.id, sequenceKey: 'by-hand' });
    expect(late.status).toBe(409);
    expect(late.body.error).toBe('past_sequence');

    // The list: filters and the cursor.
    const page1 = await h.admin('GET', `/api/admin/nurture/enrollments?leadId=${lead.id}&limit=2`);
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(2);
    const page2 = await h.admin('GET', `/api/admin/nurture/enrollments?leadId=${lead.id}&limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body).toMatchObject({ items: [expect.objectContaining({ sequenceKey: 'by-hand', exitReason: 'manual' })], nextCursor: null });
    const bySequence = await h.admin('GET', `/api/admin/nurture/enrollments?sequenceKey=expo-nurture&status=active`);
    expect(bySequence.body.items.every((e: any) => e.sequenceKey === 'expo-nurture' && e.status === 'active')).toBe(true);
    expect(bySequence.body.items.length).toBeGreaterThanOrEqual(1);
    expect((await h.admin('GET', `/api/admin/nurture/enrollments?status=paused`)).status).toBe(400);
  });

  it('a lead is in a sequence at most once at a time, however many enroll it at once; a re-run enrolls nothing', async () => {
    const lead = await addThrough(plain.state, '并发客户');
    const at = Date.now();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        enrollLead(ds().manager, { leadId: lead.id, sequenceKey: 'by-hand', reason: { type: 'tag_added', tag: '展会' }, at, key: `test:race:${i}` }),
      ),
    );
    expect(results.filter((r) => r.enrolled)).toHaveLength(1);
    expect(await ds().getRepository(NurtureEnrollment).countBy({ leadId: lead.id, sequenceKey: 'by-hand', status: 'active' })).toBe(1);
    expect((await timeline(lead.id)).map((t) => t.summary)).toEqual(['加入培育序列「手动培育」：获得标签「展会」']);

    // Out, then the same cause again (a re-run): nothing; a new cause: enrolled again.
    expect(await exitEnrollments(ds().manager, { leadId: lead.id, reason: 'customer_deleted_rep', at })).toHaveLength(1);
    const winner = results.findIndex((r) => r.enrolled);
    expect(await enrollLead(ds().manager, { leadId: lead.id, sequenceKey: 'by-hand', reason: { type: 'tag_added', tag: '展会' }, at, key: `test:race:${winner}` })).toEqual({
      enrolled: false,
      reason: 'already_done',
    });
    expect((await enrollLead(ds().manager, { leadId: lead.id, sequenceKey: 'by-hand', reason: { type: 'score_band', grade: 'A' }, at, key: 'test:band' })).enrolled).toBe(true);
    expect(await exitEnrollments(ds().manager, { leadId: lead.id, reason: 'customer_deleted_rep', at })).toHaveLength(1);
    expect(await exitEnrollments(ds().manager, { leadId: lead.id, reason: 'customer_deleted_rep', at })).toHaveLength(0);
    expect((await timeline(lead.id)).map((t) => t.summary)).toEqual([
      '加入培育序列「手动培育」：获得标签「展会」',
      '退出培育序列「手动培育」：客户已删除员工',
      '加入培育序列「手动培育」：评级变为 A 类',
      '退出培育序列「手动培育」：客户已删除员工',
    ]);
  });

  it('a disabled sequence enrolls nobody; a sequence that does not exit on a reason keeps the lead', async () => {
    expect((await h.admin('POST', '/api/admin/nurture/sequences/expo-by-id/disable')).status).toBe(200);
    const lead = await addThrough(expo.state, '展会客户丁');
    expect((await enrollments(lead.id)).map((r) => r.sequenceKey)).toEqual(['expo-nurture']);
    expect((await h.admin('POST', '/api/admin/nurture/enrollments', { leadId: lead.id, sequenceKey: 'expo-by-id' })).status).toBe(409);

    const keep = sequence('keep-on-lost', '流失后继续培育', [{ type: 'manual' }]);
    expect((await h.admin('POST', '/api/admin/nurture/sequences', { ...keep, exits: { on: ['customer_deleted_rep', 'sequence_end', 'won'] } })).status).toBe(201);
    expect((await h.admin('POST', '/api/admin/nurture/enrollments', { leadId: lead.id, sequenceKey: 'keep-on-lost' })).status).toBe(201);
    await moveStage(lead.id, 'lost');
    expect((await enrollments(lead.id)).map((r) => [r.sequenceKey, r.status])).toEqual([
      ['expo-nurture', 'exited'],
      ['keep-on-lost', 'active'],
    ]);
  });
});
