import { Job } from '../src/jobs/job.entity';
import type { EntityManager } from 'typeorm';
import { captureLead } from '../src/capture/capture-lead';
import { Lead } from '../src/leads/lead.entity';
import { releaseOverdueLeads } from '../src/leads/pool/release';
import { recordActivity } from '../src/leads/scoring/record-activity';
import { TimelineEntry } from '../src/leads/timeline-entry.entity';
import { testDbKind } from './support/database';
import { eventually, Harness, startHarness } from './support/harness';
import { makeWelcomeDue, welcomeOf } from './support/welcomes';

/**
 * Correctness of the capture road under the awkward interleavings: a WeCom answer lost after
 * WeCom acted, a welcome given up on, bursts of re-score requests, two transactions creating one
 * lead, and a slow WeCom read racing a pool release. Real service, database and simulator over
 * HTTP; the workers are off and driven with drainOnce(), so each interleaving is placed exactly.
 */

let h: Harness;
let channel: { id: number; state: string; name: string };

beforeAll(async () => {
  h = await startHarness({ runtime: { runWorkers: false }, simulator: { members: [{ userid: 'zhangsan' }, { userid: 'lisi' }] } });
  const r = await h.admin('POST', '/api/admin/channels', { name: '官网咨询', userIds: ['zhangsan'], welcomeText: '您好，感谢关注！' });
  expect(r.status).toBe(201);
  channel = r.body;
});
afterAll(async () => h?.close());
beforeEach(() => h.sim.faults.clear());

const ds = () => h.runtime.ctx.dataSource;
const leadOf = (externalUserId: string) => ds().getRepository(Lead).findOneByOrFail({ externalUserId });
async function timelineOf(externalUserId: string, kind?: string): Promise<TimelineEntry[]> {
  const lead = await leadOf(externalUserId);
  return ds().getRepository(TimelineEntry).find({ where: { leadId: lead.id, ...(kind ? { kind } : {}) }, order: { id: 'ASC' } });
}
/** The welcome lives on its add's inbox row; it reads like the job it used to be. */
const welcomeJobOf = (code: string) => welcomeOf(ds(), code);
const sendsOf = (code: string) => h.sim.callsTo('externalcontact/send_welcome_msg').filter((c) => (c.body as { welcome_code: string }).welcome_code === code);
const deliveredWelcomes = (externalUserId: string) => h.sim.state.welcomeMessages.filter((w) => w.external_userid === externalUserId);
/** Skips a retry's backoff wait. */
const makeDue = (where: string, params: unknown[] = []) => ds().query(`UPDATE job SET available_at = 0 WHERE ${where}`, params);

/** Runs batches until none of the workers finds anything due. */
async function drain(...workers: Array<{ drainOnce(): Promise<number> }>): Promise<void> {
  for (let round = 0; round < 50; round++) {
    let handled = 0;
    for (const worker of workers) handled += await worker.drainOnce();
    if (handled === 0) return;
  }
  throw new Error('queues never ran dry');
}
const drainInbox = () => drain(h.runtime.inbox.worker);
const drainGeneral = () => drain(h.runtime.jobs.general);

/** A customer adds zhangsan through the channel; the add is captured (the lead exists), the welcome job waits. */
async function capturedAdd(name: string): Promise<{ externalUserId: string; code: string }> {
  const { externalUserId, welcomeCode, response } = await h.driver.customerAddsRep({ userId: 'zhangsan', state: channel.state, customer: { name } });
  expect(response.status).toBe(200);
  await drainInbox();
  await leadOf(externalUserId);
  return { externalUserId, code: welcomeCode! };
}

/** Drives one welcome job through the lane until it is no longer pending, retry waits skipped. */
async function runWelcomeToTheEnd(code: string): Promise<Job> {
  for (let attempt = 0; attempt < 10; attempt++) {
    await makeWelcomeDue(ds(), code);
    await h.runtime.jobs.welcome.drainOnce();
    const job = await welcomeJobOf(code);
    if (job.status !== 'pending') return job;
  }
  throw new Error(`welcome ${code} still pending`);
}

/** The rep's note for a dead welcome is written by a deferred timeline job: run it now. */
async function writeDeferredNotes(): Promise<void> {
  await makeDue(`kind = 'timeline.deferred'`);
  await drainGeneral();
}

describe('welcome: judged by what was sent, not by the attempt count', () => {
  it('WeCom sent it but the answer was lost: the retry hears 41051 and the welcome is recorded as sent, by us', async () => {
    const { externalUserId, code } = await capturedAdd('回执丢失客户');
    h.sim.faults.inject({ path: 'externalcontact/send_welcome_msg', loseReply: true });

    const job = await runWelcomeToTheEnd(code);

    // One delivery; the client's retry (same attempt, attempts = 1) was told the code is used.
    expect(deliveredWelcomes(externalUserId)).toHaveLength(1);
    expect(sendsOf(code).map((c) => c.errcode)).toEqual([0, 41051]);
    expect(job).toMatchObject({ status: 'done', attempts: 1 });
    const outcomes = (await timelineOf(externalUserId)).filter((e) => e.kind.startsWith('welcome.'));
    expect(outcomes.map((e) => e.kind)).toEqual(['welcome.sent']);
    expect(outcomes[0].data).toMatchObject({ channelId: channel.id, confirmedBy: 'code already used' });
  });

  it('an earlier attempt whose requests were all refused did not send: a later 41051 is another app', async () => {
    const { externalUserId, code } = await capturedAdd('他方欢迎客户');
    // Attempt 1: WeCom answers 40014 to the send, and again after the token refresh. It did not act.
    h.sim.faults.inject({ path: 'externalcontact/send_welcome_msg', errcode: 40014, times: 2 });
    await h.runtime.jobs.welcome.drainOnce();
    let job = await welcomeJobOf(code);
    expect(job).toMatchObject({ status: 'pending', attempts: 1 });
    expect((job.payload as { mayHaveSentAt?: number | null }).mayHaveSentAt).toBeNull();
    // Meanwhile another receiving app welcomes the customer with this code.
    h.sim.state.welcomeCodes.get(code)!.usedAt = Date.now();

    job = await runWelcomeToTheEnd(code);

    expect(job).toMatchObject({ status: 'skipped', attempts: 2 });
    expect(sendsOf(code).map((c) => c.errcode)).toEqual([40014, 40014, 41051]);
    expect(deliveredWelcomes(externalUserId)).toHaveLength(0);
    expect((await timelineOf(externalUserId)).filter((e) => e.kind.startsWith('welcome.')).map((e) => e.kind)).toEqual(['welcome.skipped']);
  });
});

describe('welcome: a dead-lettered welcome tells the rep', () => {
  it('failing until the queue gives up: dead, and exactly one welcome.expired asks the rep to greet by hand', async () => {
    const { externalUserId, code } = await capturedAdd('欢迎失败客户');
    // Retryable for the queue, and the client gives up at once (one token refresh, then 40014 again).
    h.sim.faults.inject({ path: 'externalcontact/send_welcome_msg', errcode: 40014, times: 100 });

    const job = await runWelcomeToTheEnd(code);
    h.sim.faults.clear();
    expect(job.status).toBe('dead');
    expect(job.attempts).toBeGreaterThan(1);
    expect(job.lastError).toContain('40014');
    await writeDeferredNotes();

    expect(deliveredWelcomes(externalUserId)).toHaveLength(0);
    const notes = await timelineOf(externalUserId, 'welcome.expired');
    expect(notes).toHaveLength(1);
    expect(notes[0].summary).toBe('渠道欢迎语发送失败，请手动问候客户');
    expect(notes[0].data).toMatchObject({ outcomeUnknown: false, error: expect.stringContaining('40014') });
    expect((await timelineOf(externalUserId)).filter((e) => e.kind.startsWith('welcome.'))).toHaveLength(1);
    // Dead-lettering it again (a replay that fails once more) queues no second note.
    await ds().query(`UPDATE inbox_event SET welcome_status = 'pending', welcome_attempts = 7, welcome_lease_until = NULL, welcome_lease_owner = NULL WHERE id = ?`, [job.id]);
    h.sim.faults.inject({ path: 'externalcontact/send_welcome_msg', errcode: 40014, times: 2 });
    expect((await runWelcomeToTheEnd(code)).status).toBe('dead');
    await writeDeferredNotes();
    expect(await timelineOf(externalUserId, 'welcome.expired')).toHaveLength(1);
    const [queued] = await ds().query(`SELECT COUNT(*) AS n FROM job WHERE kind = 'timeline.deferred' AND dedup_key = ?`, [`timeline:welcome:${code}`]);
    expect(Number(queued.n)).toBe(1);
  });

  it('a request went unanswered before the failures: the note says the welcome may not have arrived', async () => {
    const { externalUserId, code } = await capturedAdd('结果未知客户');
    // The first request's answer never comes (WeCom did not act, but we cannot know), then refusals.
    h.sim.faults.inject({ path: 'externalcontact/send_welcome_msg', errcode: -1, loseReply: true });
    h.sim.faults.inject({ path: 'externalcontact/send_welcome_msg', errcode: 40014, times: 100 });

    const job = await runWelcomeToTheEnd(code);
    h.sim.faults.clear();
    expect(job.status).toBe('dead');
    expect((job.payload as { mayHaveSentAt?: number | null }).mayHaveSentAt).toEqual(expect.any(Number));
    await writeDeferredNotes();

    const notes = await timelineOf(externalUserId, 'welcome.expired');
    expect(notes).toHaveLength(1);
    expect(notes[0].summary).toContain('可能未送达');
    expect(notes[0].data).toMatchObject({ outcomeUnknown: true });
  });
});

describe('re-scores', () => {
  const pendingRescores = async (leadId: number) =>
    (await ds().query(`SELECT payload FROM job WHERE kind = 'lead.rescore' AND status = 'pending'`)).filter(
      (row: { payload: string }) => JSON.parse(row.payload).leadId === leadId,
    ).length;

  it('three events leave one pending re-score of the lead, which counts all three; a later event queues a new one', async () => {
    await drainGeneral();
    const { externalUserId } = await capturedAdd('评分合并客户'); // event 1: the channel add
    const lead = await leadOf(externalUserId);
    for (const name of ['产品交流群', '售后服务群']) {
      // Events 2 and 3: the customer joins two customer groups.
      await h.driver.groupCreated({ owner: 'zhangsan', name, members: ['zhangsan', externalUserId] });
    }
    await drainInbox();
    // The add created the lead: its signal is on the lead row; the joins are activity rows.
    expect(lead.captureSignal).toMatchObject({ kind: 'channel', value: String(channel.id) });
    const activities = await ds().query(`SELECT kind FROM lead_activity WHERE lead_id = ? ORDER BY id`, [lead.id]);
    expect(activities.map((a: { kind: string }) => a.kind)).toEqual(['group_join', 'group_join']);
    expect(await pendingRescores(lead.id)).toBe(1);

    await drainGeneral();
    expect(await pendingRescores(lead.id)).toBe(0);
    // Channel 10 + group joins 2 × 5: the one run saw every event folded into it.
    expect((await leadOf(externalUserId)).score).toBe(20);

    // The finished job no longer holds the key: the next event is re-scored too.
    await ds().transaction((manager) => recordActivity(manager, { leadId: lead.id, kind: 'intent_keyword', value: 'price', dedupKey: 'test:price' }));
    expect(await pendingRescores(lead.id)).toBe(1);
    await drainGeneral();
    expect((await leadOf(externalUserId)).score).toBe(35);
  });
});

describe('two transactions create the same lead', () => {
  // SQLite runs one transaction at a time on the process's one connection: the second would only
  // start after the first committed and find its lead, so the race cannot be staged there.
  const onMysql = testDbKind === 'mysql' ? it : it.skip;

  onMysql('the loser of the insert race adopts the winner and can go on writing the lead in its own transaction', async () => {
    const externalUserId = `wmRace${Date.now()}`;
    const capture = (manager: EntityManager, source: 'wecom' | 'group', ownerUserId: string | null) =>
      captureLead(manager, {
        source,
        key: `race:${source}:${externalUserId}`,
        occurredAt: Date.now() - 1000,
        identity: { externalUserId },
        profile: { name: '并发客户' },
        isInteraction: true,
        owner: ownerUserId ? { userId: ownerUserId, reason: '客户添加了该成员' } : null,
        timeline: (created) => ({ kind: created ? 'lead.created' : 'group.joined', summary: '并发', dedupKey: `race:${source}:${externalUserId}:t` }),
      });
    let inserted!: () => void;
    let commit!: () => void;
    const firstInserted = new Promise<void>((resolve) => (inserted = resolve));
    const mayCommit = new Promise<void>((resolve) => (commit = resolve));

    // An add: creates the lead, and holds its transaction open.
    const first = ds().transaction(async (manager) => {
      const result = await capture(manager, 'wecom', 'zhangsan');
      inserted();
      await mayCommit;
      return result;
    });
    await firstInserted;
    // A group join of the same customer: reads (no lead yet, in its snapshot), then its insert waits for the add's.
    const second = ds().transaction(async (manager) => {
      const result = await capture(manager, 'group', null);
      // What the capture handlers do next with a lead they did not create (save() reads it first).
      result.lead.name = '并发客户（群）';
      await manager.save(result.lead);
      return result;
    });
    // The group join's INSERT is running, i.e. waiting for the add's lock on the external id.
    await eventually(async () => {
      const [row] = await ds().query(`SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'INSERT INTO \`lead\`%' AND INFO LIKE ?`, [
        `%${externalUserId}%`,
      ]);
      return Number(row.n) === 1;
    });
    commit();

    const [a, b] = await Promise.all([first, second]);
    expect(a.created).toBe(true);
    expect(b).toMatchObject({ created: false, lead: { id: a.lead.id, ownerUserId: 'zhangsan', source: 'wecom' } });
    const rows = await ds().getRepository(Lead).findBy({ externalUserId });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: a.lead.id, name: '并发客户（群）', ownerUserId: 'zhangsan' });
  });
});

describe('contact edited while the lead is released', () => {
  it('a pool release committed during the slow externalcontact/get stays: the edit writes only its own columns', async () => {
    const { externalUserId } = await capturedAdd('资料编辑客户');
    const before = await leadOf(externalUserId);
    expect(before).toMatchObject({ ownerUserId: 'zhangsan', inPool: false });
    // Not followed up for two days: due for release.
    await ds().getRepository(Lead).update({ id: before.id }, { assignedAt: Date.now() - 48 * 3600_000 });

    h.sim.faults.inject({ path: 'externalcontact/get', latencyMs: 1500 });
    const edited = await h.driver.customerEdited({ userId: 'zhangsan', externalUserId, customer: { name: '资料编辑后', corp_name: '新公司' } });
    expect(edited.status).toBe(200);
    const handling = h.runtime.inbox.worker.drainOnce();
    // The fault is used up once the handler's get has reached WeCom: the lead was read before it.
    await eventually(() => h.sim.faults.pending.length === 0);
    const { released } = await releaseOverdueLeads(h.runtime.ctx);
    expect(released).toContain(before.id);
    expect(await handling).toBe(1);

    const after = await leadOf(externalUserId);
    expect(after).toMatchObject({ ownerUserId: null, inPool: true, name: '资料编辑后', corpName: '新公司' });
    expect(after.poolSince).toEqual(expect.any(Number));
    const kinds = (await timelineOf(externalUserId)).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['pool.released', 'contact.edited']));
    const [row] = await ds().query(`SELECT status FROM inbox_event WHERE partition_key = ? ORDER BY id DESC LIMIT 1`, [`contact:${externalUserId}`]);
    expect(row.status).toBe('done');
  });
});
