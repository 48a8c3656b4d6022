import type { DataSource } from 'typeorm';
import { AuditLog } from '../src/audit/audit-log.entity';
import { Lead } from '../src/leads/lead.entity';
import type { MemberRole } from '../src/members/member-actor';
import { NurtureEnrollment } from '../src/nurture/enrollment/enrollment.entity';
import type { SequenceInput } from '../src/nurture/sequences/schema';
import { HOUR_MS } from '../src/util/time';
import { makeLead, makeMember, makeTeam, signIn } from './support/factories';
import { Harness, startHarness } from './support/harness';
import { mpCall } from './support/mp-client';

/** A sequence as a marketer would create it through the admin API (docs/api.md §22). */
const sequence = (key: string, name: string, triggers: SequenceInput['triggers'], extra: Partial<SequenceInput> = {}): SequenceInput => ({
  key,
  name,
  triggers,
  steps: [
    { id: 'hello', name: '发送产品资料', delay: { from: 'enrollment', hours: 2 }, action: { type: 'push_content', text: { content: '您好，这是产品资料。' } } },
    { id: 'remind', delay: { from: 'previous_step', days: 1 }, action: { type: 'remind_rep', text: '请回访客户。' } },
  ],
  ...extra,
});

/**
 * Nurture in the mini-program over real HTTP (issue 11): the sequences a member may enroll a lead
 * in by hand, a lead's enrollments, enrolling and stopping by hand — for reps, a manager, a clerk
 * and an admin member. A lead out of reach answers what an id nobody has answers and changes
 * nothing; every change is on the lead's timeline naming the member, and in the audit log.
 */
describe('/api/mp nurture: enroll by hand, stop, and the lead\'s nurture', () => {
  let h: Harness;
  let ds: DataSource;
  const tokens: Record<string, string> = {};
  const L: Record<string, Lead> = {};

  const call = (who: string, method: string, path: string, body?: unknown) => mpCall(h, tokens[who], method, path, body);
  const enroll = (who: string, lead: Lead | number, sequenceKey: unknown = 'follow-up-care') =>
    call(who, 'POST', `/leads/${typeof lead === 'number' ? lead : lead.id}/nurture`, { sequenceKey });
  const rows = (leadId: number) => ds.getRepository(NurtureEnrollment).find({ where: { leadId }, order: { id: 'ASC' } });
  const audits = (leadId: number) => ds.getRepository(AuditLog).find({ where: { leadId }, order: { id: 'ASC' } });
  const nurtureTimeline = async (leadId: number): Promise<string[]> =>
    (await ds.query(`SELECT kind, summary FROM timeline_entry WHERE lead_id = ? ORDER BY id`, [leadId]))
      .filter((t: { kind: string }) => t.kind.startsWith('nurture.'))
      .map((t: { summary: string }) => t.summary);

  /** What any lead out of the actor's reach answers: exactly the reply for an id nobody has. */
  async function expectUnreachable(who: string, method: string, path: string, body?: unknown) {
    const r = await call(who, method, path, body);
    expect({ who, path, status: r.status, body: r.body }).toEqual({ who, path, status: 404, body: { error: 'not_found', message: '线索不存在或您无权查看' } });
  }

  beforeAll(async () => {
    h = await startHarness();
    ds = h.runtime.ctx.dataSource;
    const members: Array<[string, MemberRole[], string]> = [
      ['rep-a', ['rep'], '张三'],
      ['rep-b', ['rep'], '李四'],
      ['rep-c', ['rep'], '赵六'],
      ['mgr-1', ['manager'], '王五'],
      ['boss', ['admin'], '孙总'],
    ];
    for (const [userId, , name] of members) h.sim.state.addMember(userId, name);
    const t1 = (await makeTeam(h, { name: '华东组', members: ['rep-a', 'rep-b'] })).id;
    const t2 = (await makeTeam(h, { name: '华南组', members: ['rep-c'] })).id;
    const store = await h.admin('POST', '/api/admin/stores', { name: '静安店' });
    for (const [userId, roles, name] of members) await makeMember(h, userId, { roles, name, managedTeamIds: userId === 'mgr-1' ? [t1] : [] });
    await makeMember(h, 'clerk', { roles: ['store_staff'], storeId: store.body.id });
    for (const who of [...members.map(([u]) => u), 'clerk']) tokens[who] = (await signIn(h, who)).accessToken;

    for (const body of [
      sequence('follow-up-care', '跟进关怀', [{ type: 'manual' }], { description: '三天内两次触达，适合刚加微信的客户' }),
      sequence('expo-only', '展会培育', [{ type: 'channel_capture', channel: { state: 'expo2026' } }]),
      sequence('expo-or-hand', '展会回访', [{ type: 'channel_capture', channel: { state: 'expo2026' } }, { type: 'manual' }]),
      sequence('paused-hand', '暂停的序列', [{ type: 'manual' }]),
    ]) {
      expect((await h.admin('POST', '/api/admin/nurture/sequences', body)).status).toBe(201);
    }
    expect((await h.admin('POST', '/api/admin/nurture/sequences/paused-hand/disable')).status).toBe(200);

    L.ownA = await makeLead(ds, { ownerUserId: 'rep-a', teamId: t1, name: '王先生' });
    L.ownA2 = await makeLead(ds, { ownerUserId: 'rep-a', teamId: t1 });
    L.ownA3 = await makeLead(ds, { ownerUserId: 'rep-a', teamId: t1 });
    L.ownB = await makeLead(ds, { ownerUserId: 'rep-b', teamId: t1 });
    L.ownC = await makeLead(ds, { ownerUserId: 'rep-c', teamId: t2 });
    L.pool1 = await makeLead(ds, { ownerUserId: null, teamId: t1, inPool: true });
    L.waiting = await makeLead(ds, { ownerUserId: null });
  });
  afterAll(async () => h?.close());

  it('lists the enabled sequences with a manual trigger for members who work leads; a clerk gets 404', async () => {
    for (const who of ['rep-a', 'mgr-1', 'boss']) {
      const r = await call(who, 'GET', '/nurture/sequences');
      expect({ who, status: r.status, body: r.body }).toEqual({
        who,
        status: 200,
        body: {
          sequences: [
            { key: 'expo-or-hand', name: '展会回访', description: null, stepCount: 2 },
            { key: 'follow-up-care', name: '跟进关怀', description: '三天内两次触达，适合刚加微信的客户', stepCount: 2 },
          ],
        },
      });
    }
    const clerk = await call('clerk', 'GET', '/nurture/sequences');
    expect({ status: clerk.status, error: clerk.body.error }).toEqual({ status: 404, error: 'not_found' });
    expect((await mpCall(h, undefined, 'GET', '/nurture/sequences')).status).toBe(401);
  });

  it('a rep enrolls their own lead: 201, the reason names them on the timeline, one audit row; a second time is 409', async () => {
    expect(await call('rep-a', 'GET', `/leads/${L.ownA.id}/nurture`)).toEqual({ status: 200, body: { canManage: true, enrollments: [] } });

    const r = await enroll('rep-a', L.ownA);
    expect(r.status).toBe(201);
    const e = r.body.enrollment;
    expect(e).toEqual({
      id: expect.any(Number),
      sequenceKey: 'follow-up-care',
      sequenceName: '跟进关怀',
      status: 'active',
      statusLabel: '培育中',
      reason: 'manual',
      reasonText: '张三手动加入',
      enrolledAt: expect.any(String),
      exitedAt: null,
      exitReason: null,
      exitReasonText: null,
      stepCount: 2,
      nextStepIndex: 0,
      nextStepName: '发送产品资料',
      nextDueAt: expect.any(String),
    });
    expect(Date.parse(e.nextDueAt) - Date.parse(e.enrolledAt)).toBe(2 * HOUR_MS);

    const [row] = await rows(L.ownA.id);
    expect(row).toMatchObject({ id: e.id, status: 'active', reason: 'manual', reasonDetail: 'rep-a', activeKey: `${L.ownA.id}:follow-up-care` });
    expect(await nurtureTimeline(L.ownA.id)).toEqual(['加入培育序列「跟进关怀」：张三手动加入']);
    const [audit] = await audits(L.ownA.id);
    expect(audit).toMatchObject({
      action: 'nurture.enroll',
      actorUserId: 'rep-a',
      leadId: L.ownA.id,
      leadOwnerUserId: 'rep-a',
      purpose: '手动加入培育序列「跟进关怀」',
      detail: { sequenceKey: 'follow-up-care', enrollmentId: e.id },
    });

    const again = await enroll('rep-a', L.ownA);
    expect(again).toEqual({ status: 409, body: { error: 'already_enrolled', message: '该线索已在培育序列「跟进关怀」中' } });
    expect(await rows(L.ownA.id)).toHaveLength(1);
    expect(await audits(L.ownA.id)).toHaveLength(1);
    expect(await nurtureTimeline(L.ownA.id)).toHaveLength(1);

    // The lead's nurture shows it, with what comes next.
    const view = await call('rep-a', 'GET', `/leads/${L.ownA.id}/nurture`);
    expect(view.status).toBe(200);
    expect(view.body).toEqual({ canManage: true, enrollments: [e] });
  });

  it('only sequences with a manual trigger: 409 for the others and for a disabled one, 404 for an unknown key; nothing written', async () => {
    expect(await enroll('rep-a', L.ownA2, 'expo-only')).toEqual({ status: 409, body: { error: 'not_manual', message: '培育序列「展会培育」不支持手动加入' } });
    expect(await enroll('rep-a', L.ownA2, 'paused-hand')).toEqual({ status: 409, body: { error: 'sequence_disabled', message: '培育序列「暂停的序列」已停用' } });
    expect(await enroll('rep-a', L.ownA2, 'no-such-sequence')).toEqual({ status: 404, body: { error: 'not_found', message: '培育序列不存在' } });
    // A sequence with a manual trigger besides its channel: enrolls.
    const both = await enroll('rep-a', L.ownA2, 'expo-or-hand');
    expect(both.status).toBe(201);
    expect((await rows(L.ownA2.id)).map((r) => r.sequenceKey)).toEqual(['expo-or-hand']);
    expect((await audits(L.ownA2.id)).map((a) => a.detail)).toEqual([{ sequenceKey: 'expo-or-hand', enrollmentId: both.body.enrollment.id }]);
  });

  it('a bad body or id is 400 with the field named, and writes nothing', async () => {
    const before = await ds.getRepository(NurtureEnrollment).count();
    const auditsBefore = await ds.getRepository(AuditLog).count();
    for (const body of [{}, { sequenceKey: '' }, { sequenceKey: 'Bad Key' }, { sequenceKey: 42 }, { sequenceKey: 'follow-up-care', leadId: L.ownA3.id }, []]) {
      const r = await call('rep-a', 'POST', `/leads/${L.ownA3.id}/nurture`, body);
      expect({ body, status: r.status, error: r.body.error }).toEqual({ body, status: 400, error: 'validation_failed' });
    }
    // JSON that is not an object does not get past the body parser.
    expect((await call('rep-a', 'POST', `/leads/${L.ownA3.id}/nurture`, 'follow-up-care')).body.error).toBe('invalid_json');
    const named = await call('rep-a', 'POST', `/leads/${L.ownA3.id}/nurture`, { sequenceKey: 'Bad Key' });
    expect(named.body.fields).toEqual([expect.objectContaining({ path: 'sequenceKey' })]);
    for (const path of ['/leads/abc/nurture', '/leads/0/nurture', `/leads/${L.ownA3.id}/nurture/x/exit`]) {
      expect((await call('rep-a', 'POST', path, { sequenceKey: 'follow-up-care' })).status).toBe(400);
    }
    expect((await call('rep-a', 'GET', '/leads/-1/nurture')).status).toBe(400);
    expect(await ds.getRepository(NurtureEnrollment).count()).toBe(before);
    expect(await ds.getRepository(AuditLog).count()).toBe(auditsBefore);
  });

  it('a lead out of reach is 404 like an id nobody has, on every nurture route, and changes nothing', async () => {
    const [enrollmentA] = await rows(L.ownA.id);
    const missing = 999999;
    for (const [who, lead] of [
      ['rep-b', L.ownA],
      ['rep-c', L.ownA],
      ['clerk', L.ownA],
      ['rep-a', L.ownB],
      ['rep-a', L.ownC],
      ['mgr-1', L.ownC],
      ['rep-a', L.waiting],
      ['rep-a', { id: missing } as Lead],
    ] as const) {
      await expectUnreachable(who, 'GET', `/leads/${lead.id}/nurture`);
      await expectUnreachable(who, 'POST', `/leads/${lead.id}/nurture`, { sequenceKey: 'follow-up-care' });
      await expectUnreachable(who, 'POST', `/leads/${lead.id}/nurture/${enrollmentA.id}/exit`);
    }
    expect(await rows(L.ownB.id)).toEqual([]);
    expect(await rows(L.ownC.id)).toEqual([]);
    expect((await rows(L.ownA.id)).map((r) => r.status)).toEqual(['active']);
    expect(await ds.getRepository(AuditLog).countBy({ leadId: L.ownC.id })).toBe(0);
  });

  it('a pool lead is seen but not nurtured (403); a manager nurtures the team\'s leads; an admin any lead that has an owner', async () => {
    expect(await call('rep-a', 'GET', `/leads/${L.pool1.id}/nurture`)).toEqual({ status: 200, body: { canManage: false, enrollments: [] } });
    expect(await enroll('rep-a', L.pool1)).toEqual({ status: 403, body: { error: 'forbidden', message: '只有线索负责人或其团队主管可以管理培育' } });
    expect(await rows(L.pool1.id)).toEqual([]);

    expect((await call('mgr-1', 'GET', `/leads/${L.ownB.id}/nurture`)).body.canManage).toBe(true);
    const byManager = await enroll('mgr-1', L.ownB);
    expect(byManager.status).toBe(201);
    expect(byManager.body.enrollment.reasonText).toBe('王五手动加入');
    expect(await nurtureTimeline(L.ownB.id)).toEqual(['加入培育序列「跟进关怀」：王五手动加入']);
    expect(await audits(L.ownB.id)).toEqual([expect.objectContaining({ action: 'nurture.enroll', actorUserId: 'mgr-1', leadOwnerUserId: 'rep-b' })]);
    // Its owner sees it, and the manager's name on it.
    const seen = await call('rep-b', 'GET', `/leads/${L.ownB.id}/nurture`);
    expect(seen.body.enrollments.map((e: any) => [e.sequenceName, e.reasonText])).toEqual([['跟进关怀', '王五手动加入']]);

    expect((await enroll('boss', L.ownC)).status).toBe(201);
    expect(await nurtureTimeline(L.ownC.id)).toEqual(['加入培育序列「跟进关怀」：孙总手动加入']);
    // A lead nobody owns has no one to send its pushes.
    expect(await enroll('boss', L.waiting)).toEqual({ status: 409, body: { error: 'no_owner', message: '该线索还没有负责人，认领或分配后才能加入培育' } });
    expect(await rows(L.waiting.id)).toEqual([]);

    // The manager reads these rows in the audit log, filtered by the new action.
    const log = await call('mgr-1', 'GET', '/audit?action=nurture.enroll');
    expect(log.status).toBe(200);
    expect(log.body.items.map((i: any) => [i.actorUserId, i.leadId])).toEqual(
      expect.arrayContaining([
        ['mgr-1', L.ownB.id],
        ['rep-a', L.ownA.id],
      ]),
    );
    expect(log.body.items.every((i: any) => i.action === 'nurture.enroll' && i.leadId !== L.ownC.id)).toBe(true);
  });

  it('stops an enrollment by hand: the timeline names who, an audit row; a second stop is 409, another lead\'s enrollment 404', async () => {
    const [enrollment] = await rows(L.ownA.id);
    const [enrollmentB] = await rows(L.ownB.id);
    // The manager reaches both leads, but an enrollment is reached through its own lead only.
    expect(await call('mgr-1', 'POST', `/leads/${L.ownA.id}/nurture/${enrollmentB.id}/exit`)).toEqual({
      status: 404,
      body: { error: 'not_found', message: '记录不存在或您无权查看' },
    });
    expect(await call('rep-a', 'POST', `/leads/${L.pool1.id}/nurture/${enrollment.id}/exit`)).toEqual({
      status: 403,
      body: { error: 'forbidden', message: '只有线索负责人或其团队主管可以管理培育' },
    });

    const r = await call('rep-a', 'POST', `/leads/${L.ownA.id}/nurture/${enrollment.id}/exit`);
    expect(r.status).toBe(200);
    expect(r.body.enrollment).toMatchObject({
      id: enrollment.id,
      status: 'exited',
      statusLabel: '已退出',
      exitReason: 'manual',
      exitReasonText: '手动退出',
      exitedAt: expect.any(String),
      nextStepIndex: null,
      nextStepName: null,
      nextDueAt: null,
    });
    expect(await rows(L.ownA.id)).toEqual([expect.objectContaining({ status: 'exited', exitReason: 'manual', activeKey: null, nextDueAt: null })]);
    expect(await nurtureTimeline(L.ownA.id)).toEqual(['加入培育序列「跟进关怀」：张三手动加入', '退出培育序列「跟进关怀」：张三手动退出']);
    expect((await audits(L.ownA.id)).map((a) => [a.action, a.actorUserId, a.purpose])).toEqual([
      ['nurture.enroll', 'rep-a', '手动加入培育序列「跟进关怀」'],
      ['nurture.exit', 'rep-a', '手动停止培育序列「跟进关怀」'],
    ]);

    expect(await call('rep-a', 'POST', `/leads/${L.ownA.id}/nurture/${enrollment.id}/exit`)).toEqual({
      status: 409,
      body: { error: 'not_active', message: '培育序列「跟进关怀」已经结束' },
    });
    expect(await audits(L.ownA.id)).toHaveLength(2);

    // The manager stops the rep's: the timeline says the manager.
    expect((await call('mgr-1', 'POST', `/leads/${L.ownB.id}/nurture/${enrollmentB.id}/exit`)).status).toBe(200);
    expect(await nurtureTimeline(L.ownB.id)).toEqual(['加入培育序列「跟进关怀」：王五手动加入', '退出培育序列「跟进关怀」：王五手动退出']);

    // Once out, it may be enrolled again: the active one comes first, then the ended one.
    const again = await enroll('rep-a', L.ownA);
    expect(again.status).toBe(201);
    const view = await call('rep-a', 'GET', `/leads/${L.ownA.id}/nurture`);
    expect(view.body.enrollments.map((e: any) => [e.id, e.status, e.exitReasonText])).toEqual([
      [again.body.enrollment.id, 'active', null],
      [enrollment.id, 'exited', '手动退出'],
    ]);
  });

  it('the lead\'s nurture: active first, then the latest ended ones, 20 in all, with reasons and exits in Chinese', async () => {
    const lead = await makeLead(ds, { ownerUserId: 'rep-a', name: '历史客户' });
    const t0 = Date.now() - 100 * HOUR_MS;
    const ended = Array.from({ length: 24 }, (_, i) => ({
      leadId: lead.id,
      sequenceKey: 'follow-up-care',
      status: (i % 2 ? 'completed' : 'exited') as NurtureEnrollment['status'],
      activeKey: null,
      causeKey: null,
      reason: (['channel_capture', 'tag_added', 'score_band', 'manual'] as const)[i % 4],
      reasonDetail: ['展会渠道', '高意向', 'A', 'admin'][i % 4],
      enrolledAt: t0 + i * HOUR_MS,
      exitedAt: t0 + i * HOUR_MS + 60_000,
      exitReason: i % 2 ? 'sequence_end' : 'won',
      nextStepIndex: 2,
      nextDueAt: null,
    }));
    await ds.getRepository(NurtureEnrollment).insert(ended);
    const active = await enroll('rep-a', lead, 'expo-or-hand');
    expect(active.status).toBe(201);

    const view = await call('rep-a', 'GET', `/leads/${lead.id}/nurture`);
    expect(view.status).toBe(200);
    const items = view.body.enrollments;
    expect(items).toHaveLength(20);
    expect(items[0]).toMatchObject({ id: active.body.enrollment.id, status: 'active', sequenceName: '展会回访', reasonText: '张三手动加入' });
    const endedIds = (await rows(lead.id)).filter((r) => r.status !== 'active').map((r) => r.id).sort((a, b) => b - a);
    expect(items.slice(1).map((e: any) => e.id)).toEqual(endedIds.slice(0, 19));
    // A step without a name of its own: its index, no name.
    await ds.getRepository(NurtureEnrollment).update({ id: active.body.enrollment.id }, { nextStepIndex: 1 });
    const later = (await call('rep-a', 'GET', `/leads/${lead.id}/nurture`)).body.enrollments[0];
    expect([later.nextStepIndex, later.nextStepName, later.stepCount]).toEqual([1, null, 2]);
    expect(items.slice(1, 5).map((e: any) => [e.statusLabel, e.reasonText, e.exitReasonText, e.nextStepName])).toEqual([
      ['已完成', '管理员手动加入', '序列已结束', null],
      ['已退出', '评级变为 A 类', '已成交', null],
      ['已完成', '获得标签「高意向」', '序列已结束', null],
      ['已退出', '通过渠道「展会渠道」添加', '已成交', null],
    ]);
  });

  it('enrollments racing each other: one 201, the others 409, one row and one audit row', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => enroll('rep-a', L.ownA3)));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.error === 'already_enrolled')).toBe(true);
    expect(await ds.getRepository(NurtureEnrollment).countBy({ leadId: L.ownA3.id, status: 'active' })).toBe(1);
    expect(await audits(L.ownA3.id)).toHaveLength(1);
    expect(await nurtureTimeline(L.ownA3.id)).toHaveLength(1);
  });
});
