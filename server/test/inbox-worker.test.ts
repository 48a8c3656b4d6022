import type { AppContext } from '../src/context';
import type { EventHandlers, EventMeta } from '../src/inbox/handlers';
import { InboxEvent } from '../src/inbox/inbox-event.entity';
import { enqueueJob, PRIORITY } from '../src/jobs/enqueue';
import { Job } from '../src/jobs/job.entity';
import type { JobHandlers } from '../src/jobs/job-worker';
import { silentLogger } from '../src/logger';
import { FinalStatus, QueueWorker } from '../src/queue/queue-worker';
import { LeasedQueue } from '../src/queue/leased-queue';
import { jobFromRow } from '../src/jobs/job-row';
import { Runtime, startRuntime } from '../src/runtime';
import { WecomApiError } from '../src/wecom/errors';
import type { ContactEditedEvent } from '../src/wecom/events';
import { eventually, Harness, startHarness } from './support/harness';

/**
 * The inbox worker and the job workers as startRuntime wires them, with test handlers.
 * Callbacks enter through the real HTTP intake (driver.postCallback). Retry waits are skipped by
 * driving `drainOnce()` and moving available_at, never by sleeping through a backoff.
 */

type Behavior = (event: ContactEditedEvent, ctx: AppContext, meta: EventMeta) => Promise<FinalStatus>;

/** Per-test behavior, keyed by the event's external user id (one partition per test). */
const behaviors = new Map<string, Behavior>();
const jobBehaviors = new Map<string, (job: Job, ctx: AppContext) => Promise<FinalStatus>>();

const eventHandlers: EventHandlers = {
  'contact.edited': async (event, ctx, meta) => {
    const behavior = behaviors.get(event.externalUserId);
    return behavior ? behavior(event, ctx, meta) : 'done';
  },
  // contact.added, tag.changed, unknown…: no handler here, so the worker marks them ignored.
};

const jobHandlers: JobHandlers = {
  flaky: async (job, ctx) => jobBehaviors.get(String(job.payload.key))!(job, ctx),
  // Welcomes live on inbox rows and carry their code, not a test key.
  welcome: async (job, ctx) => jobBehaviors.get(String(job.payload.key ?? job.payload.welcomeCode))!(job, ctx),
};

/** Gates still closed when a test fails; opened in afterAll so no handler hangs the shutdown. */
const openGates = new Set<(error: Error) => void>();

/** A promise the test resolves or rejects by hand. */
function gate() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = () => {
      openGates.delete(reject);
      res();
    };
    reject = (error) => {
      openGates.delete(reject);
      rej(error);
    };
  });
  openGates.add(reject);
  return { promise, resolve, reject };
}

let createTime = Math.floor(Date.now() / 1000) - 60;

/** Posts a contact.edited callback over HTTP; each gets its own CreateTime, so its own dedup key. */
async function postEdit(h: Harness, externalUserId: string): Promise<number> {
  const t = ++createTime;
  const result = await h.driver.postCallback({
    Event: 'change_external_contact',
    ChangeType: 'edit_external_contact',
    UserID: 'zhangsan',
    ExternalUserID: externalUserId,
    CreateTime: t,
  });
  expect(result.status).toBe(200);
  return t;
}

const inboxRepo = (h: Harness) => h.runtime.ctx.dataSource.getRepository(InboxEvent);
const rowsOf = (h: Harness, externalUserId: string) =>
  inboxRepo(h).find({ where: { partitionKey: `contact:${externalUserId}` }, order: { id: 'ASC' } });
async function rowOf(h: Harness, externalUserId: string): Promise<InboxEvent> {
  const rows = await rowsOf(h, externalUserId);
  expect(rows).toHaveLength(1);
  return rows[0];
}
/** Skips the backoff wait: makes the row due now. */
const makeDue = (h: Harness, table: 'inbox_event' | 'job', id: number) =>
  h.runtime.ctx.dataSource.query(`UPDATE ${table} SET available_at = 0 WHERE id = ?`, [id]);

// One service and database for the file (a fresh MariaDB database costs seconds); it starts with
// its workers off, and the second block restarts it with them running.
let h: Harness;
const extra: Runtime[] = [];
beforeAll(async () => {
  h = await startHarness({ runtime: { runWorkers: false, eventHandlers, jobHandlers } });
});
afterAll(async () => {
  for (const reject of [...openGates]) reject(new Error('test over'));
  for (const r of extra) await r.stop();
  await h?.close();
});

describe('queue workers driven one batch at a time', () => {
  beforeEach(async () => {
    behaviors.clear();
    jobBehaviors.clear();
    await h.runtime.ctx.dataSource.query('DELETE FROM inbox_event');
    await h.runtime.ctx.dataSource.query('DELETE FROM job');
  });

  const drain = () => h.runtime.inbox.worker.drainOnce();

  it('a handler that outlives its lease keeps it (renewed while it runs): no other worker runs it twice', async () => {
    const ds = h.runtime.ctx.dataSource;
    await enqueueJob(ds.manager, { kind: 'slow.job', dedupKey: 'slow-1', payload: {} });
    // Time moves by hand: the lease, its renewals and the other worker's claims all read this clock.
    let now = Date.now();
    const clock = () => now;
    const hold = gate();
    const runs: string[] = [];
    const workerOn = (workerId: string) =>
      new QueueWorker<Job>({
        name: `test:${workerId}`,
        queue: new LeasedQueue(ds, { table: 'job', prioritized: true, clock }, workerId),
        fromRow: jobFromRow,
        handle: async () => {
          runs.push(workerId);
          await hold.promise;
          return 'done';
        },
        isPermanent: () => false,
        logger: silentLogger,
        concurrency: 1,
        leaseMs: 30_000,
        pollMs: 20,
        maxAttempts: 3,
        retryBaseMs: 100,
        retryCapMs: 100,
      });
    const [slow, eager] = [workerOn('slow-worker'), workerOn('eager-worker')];
    const first = slow.drainOnce();
    await eventually(() => runs.length === 1);
    // Four leases' time goes by while the handler runs, its lease renewed every third of one
    // (what its timer does in real time); the other worker looks for work all along.
    for (let step = 0; step < 12; step++) {
      now += 10_000;
      await slow.renewLeases();
      expect(await eager.drainOnce()).toBe(0);
    }
    hold.resolve();
    expect(await first).toBe(1);
    expect(runs).toEqual(['slow-worker']);
    const [row] = await ds.query(`SELECT status, attempts FROM job WHERE dedup_key = 'slow-1'`);
    expect(row.status).toBe('done');
    expect(Number(row.attempts)).toBe(1);
  });

  it('a handler that fails twice then succeeds is done after 3 attempts, backing off in between', async () => {
    let calls = 0;
    behaviors.set('wmFlaky', async () => {
      calls++;
      if (calls < 3) throw new Error(`flaky failure ${calls}`);
      return 'done';
    });
    await postEdit(h, 'wmFlaky');

    let before = Date.now();
    expect(await drain()).toBe(1);
    let row = await rowOf(h, 'wmFlaky');
    expect(row).toMatchObject({ status: 'pending', attempts: 1, lastError: 'flaky failure 1', leaseUntil: null });
    // Backoff after attempt 1: at least half of the 1 s base.
    expect(row.availableAt).toBeGreaterThanOrEqual(before + 500);
    // Not due yet: the worker leaves it alone.
    expect(await drain()).toBe(0);
    expect(calls).toBe(1);

    await makeDue(h, 'inbox_event', row.id);
    before = Date.now();
    expect(await drain()).toBe(1);
    row = await rowOf(h, 'wmFlaky');
    expect(row).toMatchObject({ status: 'pending', attempts: 2, lastError: 'flaky failure 2' });
    // The backoff grows: at least half of 2 s after attempt 2.
    expect(row.availableAt).toBeGreaterThanOrEqual(before + 1000);

    await makeDue(h, 'inbox_event', row.id);
    expect(await drain()).toBe(1);
    row = await rowOf(h, 'wmFlaky');
    expect(row).toMatchObject({ status: 'done', attempts: 3, lastError: null, leaseUntil: null });
    expect(row.finishedAt).toBeGreaterThan(0);
    expect(calls).toBe(3);
    expect(await drain()).toBe(0);
  });

  it('a handler that always fails is dead after maxAttempts (8), keeping the last error', async () => {
    let calls = 0;
    behaviors.set('wmBroken', async () => {
      calls++;
      throw new Error(`still broken (${calls})`);
    });
    await postEdit(h, 'wmBroken');
    const { id } = await rowOf(h, 'wmBroken');
    for (let attempt = 1; attempt <= 8; attempt++) {
      await makeDue(h, 'inbox_event', id);
      expect(await drain()).toBe(1);
    }
    const row = await rowOf(h, 'wmBroken');
    expect(row).toMatchObject({ status: 'dead', attempts: 8, lastError: 'still broken (8)', leaseUntil: null });
    expect(row.finishedAt).toBeGreaterThan(0);
    await makeDue(h, 'inbox_event', id);
    expect(await drain()).toBe(0);
    expect(calls).toBe(8);
  });

  it('a permanent WeCom error (real call, 40096 invalid external_userid) is dead at once', async () => {
    let calls = 0;
    behaviors.set('wmNotACustomer', async (event, ctx) => {
      calls++;
      await ctx.wecom.contact.get('externalcontact/get', { external_userid: event.externalUserId });
      return 'done';
    });
    await postEdit(h, 'wmNotACustomer');
    expect(await drain()).toBe(1);
    const row = await rowOf(h, 'wmNotACustomer');
    expect(row.status).toBe('dead');
    expect(row.attempts).toBe(1);
    expect(row.lastError).toContain('40096');
    expect(calls).toBe(1);
    expect(h.sim.callsTo('externalcontact/get').at(-1)?.errcode).toBe(40096);
  });

  it('a retryable WeCom error (45009) is retried later, not dead-lettered', async () => {
    behaviors.set('wmThrottled', async () => {
      throw new WecomApiError('externalcontact/get', 45009, 'api freq out of limit');
    });
    await postEdit(h, 'wmThrottled');
    expect(await drain()).toBe(1);
    const row = await rowOf(h, 'wmThrottled');
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row.lastError).toContain('45009');
    expect(row.availableAt).toBeGreaterThan(Date.now());
  });

  it('an event kind without a handler is marked ignored', async () => {
    const unknown = await h.driver.postCallback({ Event: 'change_contact', ChangeType: 'update_user', UserID: 'lisi' });
    expect(unknown.status).toBe(200);
    const tag = await h.driver.postCallback({ Event: 'change_external_tag', ChangeType: 'create', TagType: 'tag', Id: 'etTag01' });
    expect(tag.status).toBe(200);
    expect(await drain()).toBe(2);
    const rows = await inboxRepo(h).find({ order: { id: 'ASC' } });
    expect(rows.map((r) => [r.kind, r.status, r.attempts])).toEqual([
      ['unknown', 'ignored', 1],
      ['tag.changed', 'ignored', 1],
    ]);
  });

  it('a later event of a partition waits while an earlier one is in backoff', async () => {
    const seen: number[] = [];
    let failFirst = true;
    behaviors.set('wmQueued', async (event) => {
      seen.push(event.createTime);
      if (failFirst) {
        failFirst = false;
        throw new Error('first one fails');
      }
      return 'done';
    });
    const t1 = await postEdit(h, 'wmQueued');
    const t2 = await postEdit(h, 'wmQueued');
    expect(await drain()).toBe(1); // only the first of the partition is claimable
    expect(await drain()).toBe(0); // first in backoff; the second must not overtake it
    const [first] = await rowsOf(h, 'wmQueued');
    await makeDue(h, 'inbox_event', first.id);
    expect(await drain()).toBe(1);
    expect(await drain()).toBe(1);
    expect(seen).toEqual([t1, t1, t2]);
    expect((await rowsOf(h, 'wmQueued')).map((r) => r.status)).toEqual(['done', 'done']);
  });

  describe('jobs', () => {
    const enqueue = (kind: string, key: string, priority: number = PRIORITY.notice) =>
      enqueueJob(h.runtime.ctx.dataSource.manager, { kind, dedupKey: `${kind}:${key}`, payload: { key }, priority });
    const jobRow = async (kind: string, key: string) => h.runtime.ctx.dataSource.getRepository(Job).findOneByOrFail({ dedupKey: `${kind}:${key}` });

    it('a job that fails twice then succeeds is done after 3 attempts with backoff', async () => {
      let calls = 0;
      jobBehaviors.set('j1', async () => {
        calls++;
        if (calls < 3) throw new Error(`job failure ${calls}`);
        return 'done';
      });
      await enqueue('flaky', 'j1');
      for (let attempt = 1; attempt <= 2; attempt++) {
        const before = Date.now();
        expect(await h.runtime.jobs.general.drainOnce()).toBe(1);
        const job = await jobRow('flaky', 'j1');
        expect(job).toMatchObject({ status: 'pending', attempts: attempt, lastError: `job failure ${attempt}` });
        expect(job.availableAt).toBeGreaterThanOrEqual(before + 250 * attempt);
        expect(await h.runtime.jobs.general.drainOnce()).toBe(0);
        await makeDue(h, 'job', job.id);
      }
      expect(await h.runtime.jobs.general.drainOnce()).toBe(1);
      expect(await jobRow('flaky', 'j1')).toMatchObject({ status: 'done', attempts: 3, lastError: null });
      expect(calls).toBe(3);
    });

    it('a job that always fails is dead after 8 attempts; enqueueing it again is a no-op', async () => {
      jobBehaviors.set('j2', async () => {
        throw new Error('never works');
      });
      await enqueue('flaky', 'j2');
      await enqueue('flaky', 'j2');
      const { id } = await jobRow('flaky', 'j2');
      for (let i = 0; i < 8; i++) {
        await makeDue(h, 'job', id);
        expect(await h.runtime.jobs.general.drainOnce()).toBe(1);
      }
      expect(await jobRow('flaky', 'j2')).toMatchObject({ status: 'dead', attempts: 8, lastError: 'never works' });
      await enqueue('flaky', 'j2');
      expect(await h.runtime.ctx.dataSource.getRepository(Job).countBy({ dedupKey: 'flaky:j2' })).toBe(1);
    });

    it('a job of an unknown kind and a permanent WeCom error are dead at once', async () => {
      jobBehaviors.set('j3', async () => {
        throw new WecomApiError('externalcontact/mark_tag', 40003, 'invalid userid');
      });
      await enqueue('flaky', 'j3');
      await enqueue('no_such_kind', 'j4');
      expect(await h.runtime.jobs.general.drainOnce()).toBe(2);
      const permanent = await jobRow('flaky', 'j3');
      expect(permanent).toMatchObject({ status: 'dead', attempts: 1 });
      expect(permanent.lastError).toContain('40003');
      const unknown = await jobRow('no_such_kind', 'j4');
      expect(unknown).toMatchObject({ status: 'dead', attempts: 1 });
      expect(unknown.lastError).toContain('no handler for job kind');
    });

    it('welcomes (on their inbox rows) are only taken by the welcome lane, jobs only by the general lane', async () => {
      const ds = h.runtime.ctx.dataSource;
      const handled: string[] = [];
      jobBehaviors.set('W-CODE-1', async () => {
        handled.push('welcome');
        return 'done';
      });
      jobBehaviors.set('g1', async () => {
        handled.push('general');
        return 'done';
      });
      const add = await h.driver.postCallback({ Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: 'zhangsan', ExternalUserID: 'wmLanes01', WelcomeCode: 'W-CODE-1' });
      expect(add.status).toBe(200);
      await enqueue('flaky', 'g1');
      // A welcome job of the previous version (lane 'welcome' since the migration) is no general work either.
      await ds.query(
        `INSERT INTO job (kind, lane, dedup_key, payload, priority, status, attempts, available_at, created_at) VALUES ('welcome', 'welcome', 'welcome:OLD', '{}', 0, 'pending', 0, 0, 0)`,
      );
      expect(await h.runtime.jobs.general.drainOnce()).toBe(1);
      expect(handled).toEqual(['general']);
      expect(await h.runtime.jobs.general.drainOnce()).toBe(0);
      expect(await h.runtime.jobs.welcome.drainOnce()).toBe(1);
      expect(handled).toEqual(['general', 'welcome']);
      expect(await h.runtime.jobs.welcome.drainOnce()).toBe(0);
      const [row] = await ds.query(`SELECT status, welcome_status, welcome_attempts FROM inbox_event WHERE partition_key = 'contact:wmLanes01'`);
      // The event itself is untouched by the welcome lane: the inbox worker still has it to do.
      expect({ ...row, welcome_attempts: Number(row.welcome_attempts) }).toEqual({ status: 'pending', welcome_status: 'done', welcome_attempts: 1 });
      expect((await jobRow('welcome', 'OLD')).status).toBe('pending');
    });
  });
});

describe('running workers: ordering, graceful stop, restart', () => {
  const withWorkers = { runWorkers: true };
  beforeAll(async () => {
    await h.restart(withWorkers);
  });
  beforeEach(() => {
    behaviors.clear();
  });

  it('handles one partition strictly in order while other partitions run in parallel', async () => {
    const log: string[] = [];
    const blockFirst = gate();
    let aCalls = 0;
    behaviors.set('wmOrderA', async (event) => {
      log.push(`A start ${event.createTime}`);
      if (++aCalls === 1) await blockFirst.promise;
      log.push(`A end ${event.createTime}`);
      return 'done';
    });
    behaviors.set('wmOrderB', async (event) => {
      log.push(`B ${event.createTime}`);
      return 'done';
    });

    const firstA = await postEdit(h, 'wmOrderA');
    await eventually(() => log.includes(`A start ${firstA}`));
    const a2 = await postEdit(h, 'wmOrderA');
    const a3 = await postEdit(h, 'wmOrderA');
    const b1 = await postEdit(h, 'wmOrderB');
    const b2 = await postEdit(h, 'wmOrderB');

    // B's partition is worked while A's first event is still in a handler…
    await eventually(async () => (await rowsOf(h, 'wmOrderB')).every((r) => r.status === 'done'));
    expect(log.filter((l) => l.startsWith('B'))).toEqual([`B ${b1}`, `B ${b2}`]);
    // …but nothing later of A's partition has started.
    expect(log.filter((l) => l.startsWith('A'))).toEqual([`A start ${firstA}`]);
    expect((await rowsOf(h, 'wmOrderA')).map((r) => [r.status, r.attempts])).toEqual([
      ['pending', 1],
      ['pending', 0],
      ['pending', 0],
    ]);

    blockFirst.resolve();
    await eventually(async () => (await rowsOf(h, 'wmOrderA')).every((r) => r.status === 'done'));
    expect(log.filter((l) => l.startsWith('A'))).toEqual([
      `A start ${firstA}`,
      `A end ${firstA}`,
      `A start ${a2}`,
      `A end ${a2}`,
      `A start ${a3}`,
      `A end ${a3}`,
    ]);
  });

  it('a restart (graceful stop) while a handler is mid-flight waits for it; the event completes exactly once', async () => {
    const effects: number[] = [];
    const hold = gate();
    let invocations = 0;
    behaviors.set('wmRestart', async (event, _ctx, meta) => {
      invocations++;
      if (invocations === 1) await hold.promise;
      effects.push(meta.inboxId);
      return 'done';
    });
    await postEdit(h, 'wmRestart');
    await eventually(() => invocations === 1);

    let restarted = false;
    const restarting = h.restart(withWorkers).then(() => {
      restarted = true;
    });
    // Give stop() every chance to finish early; it must not while the handler holds the event.
    await new Promise((r) => setTimeout(r, 300));
    expect(restarted).toBe(false);

    hold.resolve();
    await restarting;
    expect(restarted).toBe(true);
    const row = await rowOf(h, 'wmRestart');
    expect(row).toMatchObject({ status: 'done', attempts: 1, lastError: null });
    expect(effects).toEqual([row.id]);

    // The restarted instance is working (a later event of the partition is handled) and did
    // not handle the finished one again.
    await postEdit(h, 'wmRestart');
    await eventually(async () => (await rowsOf(h, 'wmRestart')).every((r) => r.status === 'done'));
    expect(invocations).toBe(2);
    expect(effects).toHaveLength(2);
    expect(new Set(effects).size).toBe(2);
  });

  it('graceful stop waits for in-flight handlers before closing the database', async () => {
    const hold = gate();
    let started = false;
    let finished = false;
    behaviors.set('wmStop', async () => {
      started = true;
      await hold.promise;
      finished = true;
      return 'done';
    });
    await postEdit(h, 'wmStop');
    await eventually(() => started);
    const ds = h.runtime.ctx.dataSource;
    let stopped = false;
    const stopping = h.runtime.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(stopped).toBe(false);
    expect(ds.isInitialized).toBe(true);
    hold.resolve();
    await stopping;
    expect(finished).toBe(true);
    expect(ds.isInitialized).toBe(false);
    // Bring the service back to read the outcome: the handler's result was recorded before the
    // database closed, so the new instance has nothing to redo.
    await h.restart(withWorkers);
    const row = await rowOf(h, 'wmStop');
    expect(row).toMatchObject({ status: 'done', attempts: 1 });
  });

  it('after a crash mid-handler, the restarted instance (same INSTANCE_ID) frees its old lease and completes the event once', async () => {
    const crashed = h.runtime;
    const instanceId = h.config.instanceId;
    const effects: string[] = [];
    const handledBy: string[] = [];
    const dying = gate();
    behaviors.set('wmCrash', async (_event, ctx) => {
      handledBy.push(ctx.workerId);
      // The first run belongs to the process that "dies": it never gets past this point.
      if (ctx.workerId === crashed.ctx.workerId) await dying.promise;
      effects.push(ctx.workerId);
      return 'done';
    });
    await postEdit(h, 'wmCrash');
    await eventually(() => handledBy.length === 1);
    let row = await rowOf(h, 'wmCrash');
    expect(row.leaseOwner!.startsWith(`${crashed.ctx.workerId}:`)).toBe(true);
    expect(row.leaseUntil).toBeGreaterThan(Date.now() + 30_000); // the inbox lease is 60 s

    // The crash: this instance takes no more work; its handler hangs forever.
    const crashedInboxStopped = crashed.inbox.worker.stop();
    await Promise.all([crashed.jobs.welcome.stop(), crashed.jobs.general.stop()]);

    // Another instance does not touch a lease that is not its own, even with a similar id
    // ('_' is a LIKE wildcard and must not match '-'), or one that differs only in case (LIKE
    // ignores case on SQLite and MySQL's usual collations).
    for (const lookalikeId of [instanceId.replace('-', '_'), instanceId.toUpperCase()]) {
      expect(lookalikeId).not.toBe(instanceId);
      const other = await startRuntime({ ...h.config, port: 0, instanceId: lookalikeId }, { logger: silentLogger, eventHandlers, jobHandlers, serveHttp: false });
      extra.push(other);
      expect(await other.inbox.worker.drainOnce()).toBe(0);
      row = await rowOf(h, 'wmCrash');
      expect(row.leaseOwner!.startsWith(`${crashed.ctx.workerId}:`)).toBe(true);
      expect(row.leaseUntil).not.toBeNull();
      await other.stop();
    }

    // The same instance comes back: it frees what its previous life held and finishes it now,
    // without waiting out the 60 s lease.
    const revived = await startRuntime({ ...h.config, port: 0 }, { logger: silentLogger, eventHandlers, jobHandlers, serveHttp: false });
    extra.push(revived);
    expect(revived.ctx.workerId.startsWith(`${instanceId}#`)).toBe(true);
    await eventually(async () => (await rowOf(h, 'wmCrash')).status === 'done');
    row = await rowOf(h, 'wmCrash');
    expect(row).toMatchObject({ status: 'done', attempts: 2, lastError: null });
    expect(row.leaseOwner!.startsWith(`${revived.ctx.workerId}:`)).toBe(true);
    expect(handledBy).toEqual([crashed.ctx.workerId, revived.ctx.workerId]);
    expect(effects).toEqual([revived.ctx.workerId]);

    // The dead process's handler finally errors out; its stale lease cannot touch the row.
    dying.reject(new Error('process died'));
    await crashedInboxStopped;
    row = await rowOf(h, 'wmCrash');
    expect(row).toMatchObject({ status: 'done', attempts: 2, lastError: null });
    expect(handledBy).toHaveLength(2);
    expect(effects).toHaveLength(1);
    await revived.stop();
  });

});

describe('queue housekeeping', () => {
  it('prunes finished rows past retention, keeps recent ones and every dead letter', async () => {
    const { pruneQueuesTask, QUEUE_RETENTION_MS } = await import('../src/queue/prune-task');
    const { runTaskOnce } = await import('../src/scheduler/run-task-once');
    const { startHarness } = await import('./support/harness');
    const h = await startHarness({ runtime: { runWorkers: false } });
    try {
      const now = Date.now();
      const old = now - QUEUE_RETENTION_MS - 60_000;
      const rows = [
        ['done', old],
        ['skipped', old],
        ['dead', old],
        ['done', now - 1000],
        ['pending', null],
      ] as const;
      for (const [i, [status, finishedAt]] of rows.entries()) {
        await h.runtime.ctx.dataSource.query(
          `INSERT INTO job (kind, dedup_key, payload, priority, status, attempts, available_at, created_at, finished_at) VALUES ('notify_rep', ?, '{}', 5, ?, 1, ?, ?, ?)`,
          [`prune-${i}`, status, now, old, finishedAt],
        );
      }
      await runTaskOnce(h.runtime.ctx, pruneQueuesTask, now);
      const left = await h.runtime.ctx.dataSource.query(`SELECT dedup_key FROM job ORDER BY dedup_key`);
      expect(left.map((r: { dedup_key: string }) => r.dedup_key)).toEqual(['prune-2', 'prune-3', 'prune-4']);
    } finally {
      await h.close();
    }
  });
});

/** An add's inbox row with an open welcome, stored 30 s ago with the given deadline, straight into the table. */
function insertWelcome(h: Harness, code: string, deadlineAt: number, now: number) {
  const event = { kind: 'contact.added', userId: 'zhangsan', externalUserId: `wm-${code}`, welcomeCode: code, createTime: 0 };
  return h.runtime.ctx.dataSource.query(
    `INSERT INTO inbox_event (dedup_key, partition_key, kind, payload, raw_xml, status, attempts, available_at, received_at,
       welcome_code, welcome_status, welcome_attempts, welcome_available_at, welcome_deadline_at)
     VALUES (?, ?, 'contact.added', ?, '', 'done', 1, ?, ?, ?, 'pending', 0, ?, ?)`,
    [`add:${code}`, `contact:wm-${code}`, JSON.stringify(event), now - 30_000, now - 30_000, code, now - 30_000, deadlineAt],
  );
}

describe('welcome lane under a backlog', () => {
  it('dead-letters expired codes in bulk and sends the freshest valid ones first', async () => {
    const { startHarness } = await import('./support/harness');
    const order: string[] = [];
    const h = await startHarness({
      runtime: {
        runWorkers: false,
        jobHandlers: {
          welcome: async (job) => {
            order.push(String(job.payload.welcomeCode));
            return 'done';
          },
        },
      },
    });
    try {
      const now = Date.now();
      const welcome = (code: string, deadlineAt: number) => insertWelcome(h, code, deadlineAt, now);
      await welcome('expired-1', now - 5_000);
      await welcome('valid-older', now + 15_000);
      await welcome('expired-2', now - 1_000);
      await welcome('valid-newer', now + 19_000);
      // The MySQL policy (welcomesFirst), exercised here on both databases.
      const { createJobWorkers } = await import('../src/jobs/job-worker');
      const lanes = createJobWorkers(h.runtime.ctx, { welcome: async (job) => (order.push(String(job.payload.welcomeCode)), 'done') }, { concurrency: 8, welcomesFirst: true });
      expect(await lanes.welcome.drainOnce()).toBe(2);
      expect(order).toEqual(['valid-newer', 'valid-older']);
      const rows = await h.runtime.ctx.dataSource.query(`SELECT welcome_code, welcome_status, welcome_last_error FROM inbox_event ORDER BY id`);
      expect(rows).toEqual([
        { welcome_code: 'expired-1', welcome_status: 'dead', welcome_last_error: 'welcome code expired before it could be sent' },
        { welcome_code: 'valid-older', welcome_status: 'done', welcome_last_error: null },
        { welcome_code: 'expired-2', welcome_status: 'dead', welcome_last_error: 'welcome code expired before it could be sent' },
        { welcome_code: 'valid-newer', welcome_status: 'done', welcome_last_error: null },
      ]);
    } finally {
      await h.close();
    }
  });

  it('without the sweep (the SQLite policy): freshest valid codes first, expired ones only once no valid one waits', async () => {
    const { startHarness } = await import('./support/harness');
    const h = await startHarness({ runtime: { runWorkers: false } });
    try {
      const now = Date.now();
      const welcome = (code: string, deadlineAt: number) => insertWelcome(h, code, deadlineAt, now);
      await welcome('expired-1', now - 5_000);
      await welcome('valid-older', now + 15_000);
      await welcome('valid-newer', now + 19_000);
      const order: string[] = [];
      const { createJobWorkers } = await import('../src/jobs/job-worker');
      const lanes = createJobWorkers(h.runtime.ctx, { welcome: async (job) => (order.push(String(job.payload.welcomeCode)), 'done') }, { concurrency: 8, welcomeConcurrency: 1 });
      expect(await lanes.welcome.drainOnce()).toBe(1);
      expect(await lanes.welcome.drainOnce()).toBe(1);
      expect(order).toEqual(['valid-newer', 'valid-older']);
      // Nothing valid is left: now the expired one is claimed (its handler dead-letters it).
      expect(await lanes.welcome.drainOnce()).toBe(1);
      expect(order).toEqual(['valid-newer', 'valid-older', 'expired-1']);
      expect(await lanes.welcome.drainOnce()).toBe(0);
    } finally {
      await h.close();
    }
  });
});

describe('timeline entries that arrive before their lead', () => {
  it('wait for the lead across job hand-overs, then land exactly once', async () => {
    const { startHarness } = await import('./support/harness');
    const { recordOnLead } = await import('../src/leads/jobs/record-on-lead');
    const h = await startHarness({ runtime: { runWorkers: false } });
    try {
      const ds = h.runtime.ctx.dataSource;
      const ext = 'wmNotYetCaptured000000000000001';
      await recordOnLead(h.runtime.ctx, ext, { kind: 'welcome.sent', summary: '已发送欢迎语', dedupKey: 'welcome:CODE-X' });
      const jobs = () => ds.query(`SELECT id, status, attempts, payload FROM job WHERE kind = 'timeline.deferred' ORDER BY id`);
      expect(await jobs()).toHaveLength(1);
      // Five failed attempts (the lead is still in the inbox backlog)…
      await ds.query(`UPDATE job SET attempts = 4, available_at = 0`);
      await h.runtime.jobs.general.drainOnce();
      const [first, second] = await jobs();
      // …then the job hands over to a fresh one a minute later instead of dying.
      expect(first.status).toBe('done');
      expect(second).toMatchObject({ status: 'pending', attempts: 0 });
      expect(JSON.parse(second.payload).round).toBe(1);
      await ds.query(
        `INSERT INTO \`lead\` (external_user_id, name, source, stage, score, created_at, updated_at) VALUES (?, '迟到的线索', 'wecom', 'new', 0, ?, ?)`,
        [ext, Date.now(), Date.now()],
      );
      await ds.query(`UPDATE job SET available_at = 0 WHERE status = 'pending'`);
      await h.runtime.jobs.general.drainOnce();
      const entries = await ds.query(`SELECT kind, summary FROM timeline_entry`);
      expect(entries).toEqual([{ kind: 'welcome.sent', summary: '已发送欢迎语' }]);
      expect((await jobs()).map((j: { status: string }) => j.status)).toEqual(['done', 'done']);
    } finally {
      await h.close();
    }
  });
});
