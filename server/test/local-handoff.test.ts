import { publishEvent } from '../src/events/publish';
import { Job } from '../src/jobs/job.entity';
import { Lead } from '../src/leads/lead.entity';
import { makeChannel, makeLead } from './support/factories';
import { eventually, Harness, queuesSettled, startHarness } from './support/harness';

/**
 * Work this process stores, run by this process without a claim (inbox/local-intake.ts,
 * jobs/local-jobs.ts): an add runs the moment it is stored, its welcome first; a job queued in
 * a transaction runs the moment the transaction commits. The guarantees of the claimed road
 * hold: one customer's events in order, nothing run for a transaction that rolled back.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ runtime: { runScheduler: false }, simulator: { members: [{ userid: 'zhangsan' }, { userid: 'lisi' }] } });
});
afterAll(async () => h?.close());
const ds = () => h.runtime.ctx.dataSource;

describe('an add this process takes in', () => {
  it('runs at once, unclaimed: one attempt, the welcome on the same row, both ended by the capture', async () => {
    const channel = await makeChannel(h, { name: '直达渠道', tags: ['直达'], welcomeText: '您好' });
    const { externalUserId } = await h.driver.customerAddsRep({ userId: 'zhangsan', state: channel.state, customer: { name: '直达客户' } as never });
    await queuesSettled(h);
    const [row] = await ds().query(
      `SELECT status, attempts, lease_owner, welcome_status, welcome_attempts, welcome_lease_owner, welcome_may_have_sent_at FROM inbox_event WHERE partition_key = ?`,
      [`contact:${externalUserId}`],
    );
    expect(row).toMatchObject({ status: 'done', welcome_status: 'done' });
    expect([Number(row.attempts), Number(row.welcome_attempts)]).toEqual([1, 1]);
    // Leased to this process when stored: the same instance holds both.
    expect(row.lease_owner.split('#')[0]).toBe(h.config.instanceId);
    expect(row.welcome_lease_owner.split('#')[0]).toBe(h.config.instanceId);
    // The mark stored by intake stays: the request did go out.
    expect(row.welcome_may_have_sent_at).not.toBeNull();
    const lead = await ds().getRepository(Lead).findOneByOrFail({ externalUserId });
    const kinds = (await ds().query(`SELECT kind FROM timeline_entry WHERE lead_id = ?`, [lead.id])).map((t: { kind: string }) => t.kind);
    expect(kinds.filter((k: string) => k === 'welcome.sent')).toHaveLength(1);
    expect(h.sim.callsTo('externalcontact/send_welcome_msg').filter((c) => JSON.stringify(c.body).includes('您好'))).not.toHaveLength(0);
  });

  it("waits its turn behind the same customer's earlier open event; its welcome goes out at once all the same", async () => {
    const channel = await makeChannel(h, { name: '排队渠道', welcomeText: '欢迎' });
    const externalUserId = 'wmWaitsItsTurn0001';
    // An earlier event of this customer, still open and not due yet (e.g. waiting for a retry).
    const later = Date.now() + 3_600_000;
    await ds().query(
      `INSERT INTO inbox_event (dedup_key, partition_key, kind, payload, raw_xml, status, attempts, available_at, received_at)
       VALUES (?, ?, 'contact.edited', ?, '', 'pending', 1, ?, ?)`,
      ['test:earlier-edit', `contact:${externalUserId}`, JSON.stringify({ kind: 'contact.edited', userId: 'zhangsan', externalUserId, createTime: 0 }), later, Date.now()],
    );
    const { welcomeCode } = await h.driver.customerAddsRep({ userId: 'zhangsan', externalUserId, state: channel.state, customer: { name: '排队客户' } as never });
    await eventually(() => h.sim.callsTo('externalcontact/send_welcome_msg').some((c) => (c.body as { welcome_code?: string }).welcome_code === welcomeCode));
    const addRow = async () =>
      (await ds().query(`SELECT status, lease_until, welcome_status FROM inbox_event WHERE partition_key = ? AND kind = 'contact.added'`, [`contact:${externalUserId}`]))[0];
    // The capture rolled back and gave the row back; the welcome was recorded on its own.
    await eventually(async () => (await addRow()).welcome_status === 'done');
    await eventually(async () => (await addRow()).lease_until === null);
    expect((await addRow()).status).toBe('pending');
    expect(await ds().getRepository(Lead).countBy({ externalUserId })).toBe(0);

    // The earlier event ends: the add is claimed in its turn and captured, welcome noted once.
    await ds().query(`UPDATE inbox_event SET status = 'done' WHERE dedup_key = 'test:earlier-edit'`);
    h.runtime.ctx.kick();
    const lead = await eventually(() => ds().getRepository(Lead).findOneBy({ externalUserId }));
    await queuesSettled(h);
    expect((await addRow()).status).toBe('done');
    const welcomes = await ds().query(`SELECT kind FROM timeline_entry WHERE lead_id = ? AND kind = 'welcome.sent'`, [lead.id]);
    expect(welcomes).toHaveLength(1);
  });
});

describe('a job queued in a transaction', () => {
  const reassignment = (leadId: number, key: string) => ({
    name: 'lead.owner_changed' as const,
    key,
    occurredAt: Date.now(),
    payload: { leadId, leadName: '本地任务', kind: 'assigned' as const, fromUserId: null, toUserId: 'lisi', teamId: null, inPool: false, reason: '测试' },
  });
  const toldLisiAbout = (leadId: number) =>
    h.sim.state.appMessages.items.filter((m) => !m.deduplicated && m.touser.includes('lisi') && JSON.stringify(m.content).includes(`#${leadId}`));

  it('runs here as the transaction commits, leased to this process, once', async () => {
    const lead = await makeLead(ds(), { ownerUserId: 'lisi', name: '本地任务' });
    await ds().transaction((m) => publishEvent(m, reassignment(lead.id, `local:commit:${lead.id}`)));
    await eventually(() => toldLisiAbout(lead.id).length === 1);
    await queuesSettled(h);
    const [job] = await ds().getRepository(Job).findBy({ dedupKey: `event@local:commit:${lead.id}` });
    expect(job).toMatchObject({ status: 'done', attempts: 1 });
    expect(job.leaseOwner!.split('#')[0]).toBe(h.config.instanceId);
    expect(toldLisiAbout(lead.id)).toHaveLength(1);
  });

  it('never runs when the transaction rolls back, and its slot is free again', async () => {
    const lead = await makeLead(ds(), { ownerUserId: 'lisi', name: '本地任务' });
    const worker = h.runtime.jobs.general;
    for (let i = 0; i < 12; i++) {
      await expect(
        ds().transaction(async (m) => {
          await publishEvent(m, reassignment(lead.id, `local:rollback:${lead.id}:${i}`));
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
    }
    await worker.settled();
    expect(await ds().getRepository(Job).countBy({ kind: 'event:lead.owner_changed', dedupKey: `event@local:rollback:${lead.id}:0` })).toBe(0);
    expect(toldLisiAbout(lead.id)).toHaveLength(0);
    // Twelve rollbacks on eight slots: every slot is free again.
    const slots = Array.from({ length: h.config.workerConcurrency }, () => worker.reserve());
    expect(slots.every((slot) => slot !== null)).toBe(true);
    slots.forEach((slot) => worker.cancel(slot!));
    await ds().transaction((m) => publishEvent(m, reassignment(lead.id, `local:after:${lead.id}`)));
    await eventually(() => toldLisiAbout(lead.id).length === 1);
  });
});
