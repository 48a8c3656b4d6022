import { captureLead } from '../src/capture/capture-lead';
import { resolveIdentity } from '../src/capture/identity';
import { EventJobPayload, publishEvent } from '../src/events/publish';
import { subscribers } from '../src/events/registry';
import type { DomainEvent, DomainEventName, Subscriber } from '../src/events/types';
import { Job } from '../src/jobs/job.entity';
import { Lead } from '../src/leads/lead.entity';
import { LeadAssignment } from '../src/leads/lead-assignment.entity';
import { LeadRelation } from '../src/leads/lead-relation.entity';
import { mergeLeads } from '../src/leads/merge/merge-leads';
import { changeOwner } from '../src/leads/ownership/change-owner';
import { testDbKind } from './support/database';
import { makeChannel, makeLead } from './support/factories';
import { eventually, Harness, startHarness } from './support/harness';
import { recordStatements } from './support/statement-counter';

/**
 * The capture engine's parts on their own: identity resolution, the ownership command, domain
 * events and their subscribers, scoring inside the capture, and what one lead costs in SQL.
 * Workers are off; each test drives exactly what it needs.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ runtime: { runWorkers: false, runScheduler: false }, simulator: { members: [{ userid: 'zhangsan' }, { userid: 'lisi' }] } });
});
afterAll(async () => h?.close());
const ds = () => h.runtime.ctx.dataSource;

/**
 * Runs `work` with one more subscriber registered for every event, wanting them all (what a new
 * subscriber is: one entry in the registry), and returns the events of `leadId` published
 * meanwhile, as their jobs carry them: an event nobody wants writes no row at all.
 */
async function eventsPublishedBy(leadId: number, work: () => Promise<unknown>): Promise<Array<[DomainEventName, Record<string, unknown>]>> {
  const listener: Subscriber = { name: 'test-listener', priority: 9, handle: async () => 'done' };
  const names = Object.keys(subscribers) as DomainEventName[];
  for (const name of names) (subscribers[name] as Subscriber[]).push(listener);
  try {
    await work();
  } finally {
    for (const name of names) (subscribers[name] as Subscriber[]).splice((subscribers[name] as Subscriber[]).indexOf(listener), 1);
  }
  const jobs = await ds().getRepository(Job).find({ order: { id: 'ASC' } });
  return jobs
    .filter((j) => j.kind.startsWith('event:'))
    .map((j) => (j.payload as unknown as EventJobPayload).event as DomainEvent)
    .filter((e) => (e.payload as { leadId?: number }).leadId === leadId)
    .map((e) => [e.name, e.payload as unknown as Record<string, unknown>]);
}

describe('identity resolution (capture/identity.ts)', () => {
  const keys = (k: Partial<Parameters<typeof resolveIdentity>[1]>) => ({ externalUserId: null, unionid: null, phones: [], email: null, ...k });

  it('finds the person by WeCom id, unionid, phone or email, keeps the oldest and merges the rest', async () => {
    const byPhone = await makeLead(ds(), { phone: '13700000001' });
    const byEmail = await makeLead(ds(), { email: 'a@example.com' });
    const { keeper, toMerge } = await resolveIdentity(ds().manager, keys({ phones: ['13700000001'], email: 'a@example.com' }));
    expect(keeper!.id).toBe(byPhone.id);
    expect(toMerge.map((m) => [m.lead.id, m.reason])).toEqual([[byEmail.id, 'email']]);
  });

  it('follows merge chains: what a merged lead knew still finds the lead it became', async () => {
    const survivor = await makeLead(ds(), { phone: '13700000002' });
    const middle = await makeLead(ds(), { mergedIntoId: survivor.id });
    await makeLead(ds(), { unionid: 'oChainUnion', mergedIntoId: middle.id });
    const { keeper } = await resolveIdentity(ds().manager, keys({ unionid: 'oChainUnion' }));
    expect(keeper!.id).toBe(survivor.id);
  });

  it('a phone never makes a WeCom contact the lead of another WeCom contact', async () => {
    await makeLead(ds(), { externalUserId: 'wmOtherContact', phone: '13700000003' });
    const arriving = await resolveIdentity(ds().manager, keys({ externalUserId: 'wmNewContact', phones: ['13700000003'] }));
    expect(arriving.keeper).toBeNull();
    // A form with that phone does land on the contact's lead.
    const form = await resolveIdentity(ds().manager, keys({ phones: ['13700000003'] }));
    expect(form.keeper?.externalUserId).toBe('wmOtherContact');
  });

  it('phones pointing at two different contacts join neither, and no WeCom id is lost', async () => {
    const bare = await makeLead(ds(), { phone: '13700000011' });
    await makeLead(ds(), { externalUserId: 'wmHintX', phone: '13700000011' });
    await makeLead(ds(), { externalUserId: 'wmHintY', phone: '13700000011' });
    const { keeper, toMerge } = await resolveIdentity(ds().manager, keys({ phones: ['13700000011'] }));
    expect(keeper!.id).toBe(bare.id);
    expect(toMerge).toEqual([]);
  });

  it('a group proven by unionid takes no other contact in by phone', async () => {
    await makeLead(ds(), { externalUserId: 'wmPhoneY', phone: '13700000012' });
    const proven = await makeLead(ds(), { externalUserId: 'wmUnionX', unionid: 'oProvenX' });
    const { keeper, toMerge } = await resolveIdentity(ds().manager, keys({ phones: ['13700000012'], unionid: 'oProvenX' }));
    expect(keeper!.id).toBe(proven.id);
    expect(toMerge).toEqual([]);
  });

  it('unionid joins two WeCom contacts: it is the same WeChat user', async () => {
    const a = await makeLead(ds(), { externalUserId: 'wmUnionA', unionid: 'oSameUser' });
    const { keeper, toMerge } = await resolveIdentity(ds().manager, keys({ externalUserId: 'wmUnionB', unionid: 'oSameUser' }));
    expect(keeper!.id).toBe(a.id);
    expect(toMerge).toEqual([]);
  });
});

describe('changeOwner (leads/ownership/change-owner.ts)', () => {
  it('applies only while the lead is as the caller expects; a lost race writes nothing at all', async () => {
    const lead = await makeLead(ds(), { inPool: true, poolSince: Date.now() });
    const claim = (userId: string) =>
      ds().transaction((m) =>
        changeOwner(m, {
          leadId: lead.id,
          leadName: lead.name,
          kind: 'claimed',
          expect: { ownerUserId: null, inPool: true },
          to: { ownerUserId: userId, inPool: false },
          fromUserId: null,
          reason: '从公海认领',
          timeline: { kind: 'pool.claimed', summary: `${userId} 从公海认领了该线索` },
        }),
      );
    const events = await eventsPublishedBy(lead.id, async () => {
      expect(await claim('zhangsan')).toBe(true);
      expect(await claim('lisi')).toBe(false);
    });
    const after = await ds().getRepository(Lead).findOneByOrFail({ id: lead.id });
    expect(after).toMatchObject({ ownerUserId: 'zhangsan', inPool: false, poolSince: null });
    expect(await ds().getRepository(LeadAssignment).countBy({ leadId: lead.id })).toBe(1);
    expect(events).toEqual([['lead.owner_changed', expect.objectContaining({ kind: 'claimed', toUserId: 'zhangsan', fromUserId: null })]]);
  });
});

describe('a capture never writes to a lead merged away under it (MariaDB snapshots)', () => {
  const onMysql = testDbKind === 'mysql' ? it : it.skip;
  onMysql('the add lands on the lead the duplicate became, owner and relation included', async () => {
    const survivor = await makeLead(ds(), { phone: '13700000021' });
    const duplicate = await makeLead(ds(), { externalUserId: 'wmMergedUnder', phone: '13700000022' });
    let snapshotTaken!: () => void;
    let mergeCommitted!: () => void;
    const snapshot = new Promise<void>((r) => (snapshotTaken = r));
    const merged = new Promise<void>((r) => (mergeCommitted = r));
    const capture = ds().transaction(async (m) => {
      await m.query('SELECT COUNT(*) FROM lead'); // REPEATABLE READ: the snapshot starts here
      snapshotTaken();
      await merged;
      return captureLead(m, {
        source: 'wecom',
        key: 'engine:merged-under',
        occurredAt: Date.now(),
        identity: { externalUserId: 'wmMergedUnder' },
        profile: { name: '合并中的客户' },
        profileIsAuthoritative: true,
        isInteraction: true,
        owner: { userId: 'zhangsan', reason: '客户添加了该成员' },
        relation: { userId: 'zhangsan', state: null, remark: null },
        timeline: (created) => ({ kind: created ? 'lead.created' : 'contact.added', summary: '测试', dedupKey: 'engine:merged-under:t' }),
      });
    });
    await snapshot;
    await ds().transaction((m) => mergeLeads(m, survivor.id, duplicate.id, 'manual'));
    mergeCommitted();
    const { lead } = await capture;
    expect(lead.id).toBe(survivor.id);
    expect(await ds().getRepository(Lead).findOneByOrFail({ id: survivor.id })).toMatchObject({ ownerUserId: 'zhangsan', externalUserId: 'wmMergedUnder' });
    expect(await ds().getRepository(LeadRelation).countBy({ leadId: survivor.id, userId: 'zhangsan' })).toBe(1);
    expect(await ds().getRepository(LeadRelation).countBy({ leadId: duplicate.id })).toBe(0);
  });
});

describe('merging moves the owner through changeOwner too', () => {
  it('an ownerless lead that absorbs an owned duplicate takes its owner, with history and event', async () => {
    const older = await makeLead(ds(), { phone: '13700000009' });
    const owned = await makeLead(ds(), { email: 'owned@example.com', ownerUserId: 'lisi', assignedAt: Date.now() - 1000 });
    const events = await eventsPublishedBy(older.id, () =>
      ds().transaction((m) =>
        captureLead(m, {
          source: 'form',
          key: 'engine:merge-owner',
          occurredAt: Date.now(),
          identity: { phone: '13700000009', email: 'owned@example.com' },
          isInteraction: true,
          timeline: () => ({ kind: 'form.submitted', summary: '测试', dedupKey: 'engine:merge-owner:t' }),
        }),
      ),
    );
    expect(await ds().getRepository(Lead).findOneByOrFail({ id: older.id })).toMatchObject({ ownerUserId: 'lisi', inPool: false });
    expect(await ds().getRepository(Lead).findOneByOrFail({ id: owned.id })).toMatchObject({ mergedIntoId: older.id });
    const history = await ds().getRepository(LeadAssignment).findBy({ leadId: older.id, kind: 'merged' });
    expect(history).toEqual([expect.objectContaining({ toUserId: 'lisi', fromUserId: null })]);
    expect(events.filter(([name]) => name === 'lead.owner_changed').map(([, p]) => p.kind)).toEqual(['merged']);
  });
});

describe('domain events (events/publish.ts, events/registry.ts)', () => {
  it('publishing the same fact again adds no event and no job; uninterested subscribers get no job', async () => {
    const lead = await makeLead(ds(), { ownerUserId: 'zhangsan' });
    const event = {
      name: 'lead.owner_changed' as const,
      key: `lead.owner_changed:test:${lead.id}`,
      occurredAt: Date.now(),
      payload: { leadId: lead.id, leadName: lead.name, kind: 'reassigned' as const, fromUserId: 'lisi', toUserId: 'zhangsan', teamId: null, inPool: false, reason: '测试' },
    };
    await ds().transaction((m) => publishEvent(m, event));
    await ds().transaction((m) => publishEvent(m, event));
    const mine = await ds().getRepository(Job).findBy({ dedupKey: `event@${event.key}` });
    // One job for the event, naming the subscribers that want it: the notice subscriber wants a
    // reassignment; the "assign after a return" one does not.
    expect(mine.map((j) => [j.kind, (j.payload as unknown as EventJobPayload).subscribers])).toEqual([['event:lead.owner_changed', ['notify-owner-change']]]);
    // An event nobody wants (a claim: the rep did it himself) writes nothing.
    const claimed = { ...event, key: `lead.owner_changed:test-claimed:${lead.id}`, payload: { ...event.payload, kind: 'claimed' as const } };
    await ds().transaction((m) => publishEvent(m, claimed));
    expect(await ds().getRepository(Job).countBy({ dedupKey: `event@${claimed.key}` })).toBe(0);
  });

  it('each subscriber job runs once: both reps are told once, however often the job is drained', async () => {
    const lead = await makeLead(ds(), { ownerUserId: 'lisi', name: '改派客户' });
    const reassign = await h.admin('POST', `/api/admin/leads/${lead.id}/reassign`, { toUserId: 'zhangsan', reason: '测试改派' });
    expect(reassign.status).toBe(200);
    for (let i = 0; i < 3; i++) await h.runtime.jobs.general.drainOnce();
    const told = h.sim.state.appMessages.items
      .filter((m) => !m.deduplicated && JSON.stringify(m.content).includes(`#${lead.id} 改派客户`))
      .flatMap((m) => m.touser)
      .sort();
    expect(told).toEqual(['lisi', 'zhangsan']);
  });
});

describe('notices of one change go out one job per rep', () => {
  it('a reassignment whose notice to the new owner is refused still tells the former owner', async () => {
    const lead = await makeLead(ds(), { ownerUserId: 'lisi', name: '拒收客户' });
    expect((await h.admin('POST', `/api/admin/leads/${lead.id}/reassign`, { toUserId: 'zhangsan', reason: '测试拒收' })).status).toBe(200);
    // The first message/send is refused for good (the rep has left the app's visible range).
    h.sim.faults.inject({ path: 'message/send', errcode: 81013, times: 1 });
    for (let i = 0; i < 4; i++) await h.runtime.jobs.general.drainOnce();
    const told = h.sim.state.appMessages.items.filter((m) => !m.deduplicated && JSON.stringify(m.content).includes(`#${lead.id} 拒收客户`));
    expect(told).toHaveLength(1);
    const dead = await ds().getRepository(Job).findBy({ kind: 'notify_rep', status: 'dead' });
    expect(dead.filter((j) => (j.payload as { leadId: number }).leadId === lead.id)).toHaveLength(1);
  });
});

describe('channel tags when a tag was re-created in WeCom', () => {
  it('a mark_tag refused for a stale tag id re-reads the tags and succeeds on the retry', async () => {
    const channel = await makeChannel(h, { name: '标签渠道', tags: ['会重建的标签'] });
    await h.driver.customerAddsRep({ userId: 'zhangsan', state: channel.state, customer: { name: '先来的客户' } as never });
    await drainAllWorkers();
    // Someone deletes the tag in WeCom and creates it again: same name, new id.
    const [old] = await ds().query(`SELECT id FROM corp_tag WHERE name = ?`, ['会重建的标签']);
    h.sim.state.deleteCorpTags([old.id], []);
    h.sim.state.addCorpTags({ groupName: '线索渠道' }, [{ name: '会重建的标签' }]);
    const { externalUserId } = await h.driver.customerAddsRep({ userId: 'zhangsan', state: channel.state, customer: { name: '后来的客户' } as never });
    await drainAllWorkers();
    await ds().query(`UPDATE job SET available_at = 0 WHERE status = 'pending'`);
    await drainAllWorkers();
    const [relation] = [...(h.sim.state.follows.get(externalUserId)?.values() ?? [])];
    expect(relation.tags.map((t) => t.tag_name)).toEqual(['会重建的标签']);
    const jobs = await ds().getRepository(Job).findBy({ kind: 'event:lead.captured', status: 'dead' });
    expect(jobs).toEqual([]);
  });
});

async function drainAllWorkers(): Promise<void> {
  for (let round = 0; round < 20; round++) {
    let handled = 0;
    for (const worker of [h.runtime.jobs.welcome, h.runtime.inbox.worker, h.runtime.jobs.general]) handled += await worker.drainOnce();
    if (!handled) return;
  }
}

describe('stage changes publish events', () => {
  it('lead.stage_changed for every change, lead.converted once for a win', async () => {
    const lead = await makeLead(ds(), { ownerUserId: 'zhangsan', stage: 'opportunity' });
    const events = await eventsPublishedBy(lead.id, async () => {
      expect((await h.admin('POST', `/api/admin/leads/${lead.id}/stage`, { stage: 'won' })).status).toBe(200);
    });
    expect(events).toEqual([
      ['lead.stage_changed', expect.objectContaining({ from: 'opportunity', to: 'won', by: 'admin' })],
      ['lead.converted', { leadId: lead.id, by: 'admin' }],
    ]);
  });
});

describe('captureLead scores a new lead in its INSERT', () => {
  it('a channel add is scored at once, with no re-score job, no re-read and no extra UPDATE', async () => {
    const channel = await makeChannel(h, { name: '评分渠道' });
    const lead = await ds().transaction(async (m) => {
      const { lead } = await captureLead(m, {
        source: 'wecom',
        key: 'engine:score',
        occurredAt: Date.now(),
        identity: { externalUserId: 'wmScoredAtCapture' },
        profile: { name: '评分客户' },
        isInteraction: true,
        owner: { userId: 'zhangsan', reason: '客户添加了该成员' },
        channel: { id: channel.id, name: channel.name, tagNames: [] },
        relation: { userId: 'zhangsan', state: channel.state, remark: null },
        timeline: (created) => ({ kind: created ? 'lead.created' : 'contact.added', summary: '测试', dedupKey: 'engine:score:added' }),
        activity: { kind: 'channel', value: String(channel.id), dedupKey: 'engine:score:channel' },
      });
      return lead;
    });
    const stored = await ds().getRepository(Lead).findOneByOrFail({ id: lead.id });
    expect(stored.score).toBeGreaterThan(0);
    expect(stored).toMatchObject({ grade: 'C', qualification: 'none' });
    expect(stored.scoreBreakdown).toEqual([expect.objectContaining({ points: stored.score })]);
    expect(stored.scoredAt).not.toBeNull();
    expect(await ds().getRepository(Job).countBy({ kind: 'lead.rescore', dedupKey: `rescore:${lead.id}` })).toBe(0);
  });
});

describe('statement budget: one lead added through a tagged channel with a welcome', () => {
  /**
   * From the callback to every side effect done (welcome sent, lead captured and scored, tags
   * marked, rep told, every row's outcome written), on a running service as in production:
   * workers on, the lead alone. Every statement counts, BEGIN and COMMIT included; only the
   * workers' idle polls (a claim's search that found nothing) are left out.
   */
  const BUDGET = 12;
  let live: Harness;
  beforeAll(async () => {
    live = await startHarness({ runtime: { runScheduler: false }, simulator: { members: [{ userid: 'zhangsan' }] } });
  });
  afterAll(async () => live?.close());

  it(`stays within ${BUDGET} statements`, async () => {
    const channel = await makeChannel(live, { name: '预算渠道', tags: ['预算'], welcomeText: '您好' });
    // A first lead warms what a running service has warm (token, channel and tag lookups).
    await addAndSettle('预热客户');
    const recorder = recordStatements(live.runtime.ctx.dataSource);
    let statements: string[] = [];
    try {
      await addAndSettle('预算客户');
      statements = recorder.statements.map((s) => s.sql);
    } finally {
      recorder.stop();
    }
    const lead = await live.runtime.ctx.dataSource.getRepository(Lead).findOneByOrFail({ name: '预算客户' });
    expect(lead.score).toBeGreaterThan(0);
    const timeline = await live.runtime.ctx.dataSource.query(`SELECT kind FROM timeline_entry WHERE lead_id = ? ORDER BY id`, [lead.id]);
    expect(timeline.map((t: { kind: string }) => t.kind).sort()).toEqual(['lead.created', 'owner.notified', 'tags.marked', 'welcome.sent']);
    const counted = statements.filter((sql) => !isIdlePoll(sql, statements));
    if (process.env.DUMP_STATEMENTS) console.log(counted.map((sql, i) => `${i + 1}. ${sql.slice(0, 200)}`).join('\n'));
    expect({ counted: counted.length, withinBudget: counted.length <= BUDGET }).toEqual({ counted: counted.length, withinBudget: true });

    async function addAndSettle(name: string) {
      const { externalUserId } = await live.driver.customerAddsRep({ userId: 'zhangsan', state: channel.state, customer: { name } as never });
      await eventually(() => {
        const tagged = live.sim.callsTo('externalcontact/mark_tag').some((c) => JSON.stringify(c).includes(externalUserId));
        const told = live.sim.state.appMessages.items.some((m) => JSON.stringify(m.content).includes(name));
        const welcomed = live.sim.callsTo('externalcontact/send_welcome_msg').length >= (name === '预热客户' ? 1 : 2);
        return tagged && told && welcomed;
      });
      for (const worker of [live.runtime.inbox.worker, live.runtime.jobs.welcome, live.runtime.jobs.general]) await worker.settled();
    }
  });

  /**
   * A worker's search for due rows that found none: the idle poll every running worker makes
   * now and then, whoever adds leads. A search that found rows is followed by the UPDATE that
   * claims them, and both count: so the searches left out are as many as the claims that did not follow.
   */
  function isIdlePoll(sql: string, all: string[]): boolean {
    const search = /^SELECT e\.(id|\*).* FROM (job|inbox_event) e WHERE /.test(sql);
    if (!search) return false;
    const claims = all.filter((s) => /^UPDATE (job|inbox_event)( FORCE INDEX \(PRIMARY\))? SET (welcome_)?lease_owner = \?/.test(s)).length;
    if (claims > 0) throw new Error(`a claim was made (${claims}): count its search too, and look why the lead was not handed over`);
    return true;
  }
});
