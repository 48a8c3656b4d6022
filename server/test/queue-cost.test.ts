import type { DataSource } from 'typeorm';
import { isMysql } from '../src/db/data-source';
import { enqueueJob, PRIORITY } from '../src/jobs/enqueue';
import { jobFromRow } from '../src/jobs/job-row';
import { createWelcomeQueue, welcomeFromRow } from '../src/inbox/welcome-queue';
import { silentLogger } from '../src/logger';
import { LeasedQueue } from '../src/queue/leased-queue';
import { QueueWorker } from '../src/queue/queue-worker';
import { Harness, startHarness } from './support/harness';
import { countStatements } from './support/statement-counter';

/**
 * What the queues cost in statements, and that the cheaper claim and the batched completion keep
 * every guarantee: leases, lease expiry, partitions, lanes. Queues are driven directly with an
 * injected clock (no sleeping through leases); the service's own workers are off.
 */

let h: Harness;
let ds: DataSource;
let mysql: boolean;
beforeAll(async () => {
  h = await startHarness({ runtime: { runWorkers: false } });
  ds = h.runtime.ctx.dataSource;
  mysql = isMysql(ds);
});
afterAll(async () => h?.close());
beforeEach(async () => {
  await ds.query('DELETE FROM job');
  await ds.query('DELETE FROM inbox_event');
});

/** A clock the test moves by hand. */
function manualClock(start = Date.now()) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const jobQueue = (workerId: string, clock: () => number) => new LeasedQueue(ds, { table: 'job', prioritized: true, clock }, workerId);
const inboxQueue = (workerId: string, clock: () => number) => new LeasedQueue(ds, { table: 'inbox_event', partitioned: true, clock }, workerId);
const general = { sql: 'e.lane = ?', params: ['general'] };

async function addJobs(n: number, prefix = 'cost'): Promise<void> {
  for (let i = 0; i < n; i++) await enqueueJob(ds.manager, { kind: 'notify_rep', dedupKey: `${prefix}-${i}`, payload: { i }, priority: PRIORITY.notice, availableAt: 0 });
}

async function addInboxEvent(partition: string, key: string, receivedAt = 0): Promise<void> {
  await ds.query(
    `INSERT INTO inbox_event (dedup_key, partition_key, kind, payload, raw_xml, status, attempts, available_at, received_at) VALUES (?, ?, 'contact.edited', ?, '', 'pending', 0, 0, ?)`,
    [key, partition, JSON.stringify({ kind: 'contact.edited', key }), receivedAt],
  );
}

const jobStatus = async (dedupKey: string) => {
  const [row] = await ds.query(`SELECT status, attempts, lease_owner FROM job WHERE dedup_key = ?`, [dedupKey]);
  return { status: row.status as string, attempts: Number(row.attempts), leaseOwner: row.lease_owner as string | null };
};

describe('claiming a batch', () => {
  it('takes at most two statements and returns the rows loaded, in claim order', async () => {
    await addJobs(5);
    await enqueueJob(ds.manager, { kind: 'mark_tag', dedupKey: 'urgent', payload: { urgent: true }, priority: PRIORITY.tagging, availableAt: 0 });
    const clock = manualClock();
    const { result: claimed, statements } = await countStatements(ds, () => jobQueue('w1', clock.now).claim(4, 30_000, general));
    expect(statements.length).toBeLessThanOrEqual(2);
    expect(statements).toEqual([
      expect.stringMatching(/^SELECT .* FROM job e WHERE/),
      mysql ? expect.stringMatching(/^UPDATE job FORCE INDEX \(PRIMARY\) SET lease_owner = \?.* WHERE id IN \(/) : expect.stringMatching(/^UPDATE job SET lease_owner = \?.* RETURNING \*$/),
    ]);
    // Priority first, then oldest; every row complete, with its new lease and attempt count.
    const jobs = claimed.map((c) => jobFromRow(c.raw));
    expect(jobs.map((j) => j.dedupKey)).toEqual(['urgent', 'cost-0', 'cost-1', 'cost-2']);
    expect(jobs[0].payload).toEqual({ urgent: true });
    for (const [i, job] of jobs.entries()) {
      expect(job).toMatchObject({ attempts: 1, leaseOwner: claimed[i].lease.owner, leaseUntil: clock.now() + 30_000, status: 'pending' });
      expect(claimed[i].lease.id).toBe(job.id);
    }
    // What the claim returned is what the table holds.
    expect(await jobStatus('cost-0')).toEqual({ status: 'pending', attempts: 1, leaseOwner: claimed[1].lease.owner });
  });

  it('an empty queue costs one statement, a read (an idle poll never takes SQLite\'s write lock)', async () => {
    const { result, statements } = await countStatements(ds, () => jobQueue('w1', Date.now).claim(8, 30_000, general));
    expect(result).toEqual([]);
    expect(statements).toEqual([expect.stringMatching(/^SELECT /)]);
  });

  it('the inbox: one event per customer at a time, the earliest, in two statements at most', async () => {
    await addInboxEvent('contact:A', 'a1');
    await addInboxEvent('contact:A', 'a2');
    await addInboxEvent('contact:B', 'b1');
    await addInboxEvent('contact:A', 'a3');
    await addInboxEvent('contact:C', 'c1');
    const queue = inboxQueue('w1', Date.now);
    const first = await countStatements(ds, () => queue.claim(10, 60_000));
    expect(first.statements.length).toBeLessThanOrEqual(2);
    expect(first.result.map((c) => c.raw.dedup_key)).toEqual(['a1', 'b1', 'c1']);
    // While a1 is held, nothing more of A, from this worker or another.
    expect(await inboxQueue('w2', Date.now).claim(10, 60_000)).toEqual([]);
    expect(await queue.finishMany(first.result.map((c) => ({ lease: c.lease, status: 'done' })))).toBe(3);
    expect((await queue.claim(10, 60_000)).map((c) => c.raw.dedup_key)).toEqual(['a2']);
  });

  it('a lease that ran out can be taken by another worker; the first one can then finish nothing', async () => {
    await addJobs(1);
    const clock = manualClock();
    const first = jobQueue('slow-worker', clock.now);
    const [mine] = await first.claim(1, 30_000, general);
    // Still leased: nobody else gets it.
    expect(await jobQueue('other', clock.now).claim(1, 30_000, general)).toEqual([]);
    clock.advance(30_001);
    const [theirs] = await jobQueue('other', clock.now).claim(1, 30_000, general);
    expect(theirs.lease.id).toBe(mine.lease.id);
    expect(jobFromRow(theirs.raw).attempts).toBe(2);
    expect(await first.finish(mine.lease, 'done')).toBe(false);
    expect(await first.extend(mine.lease, 30_000)).toBe(false);
    expect(await first.retryLater(mine.lease, 0, 'late')).toBe(false);
    expect(await jobStatus('cost-0')).toEqual({ status: 'pending', attempts: 2, leaseOwner: theirs.lease.owner });
  });

  it('two workers claiming at the same moment never get the same row', async () => {
    await addJobs(40);
    const workers = ['a', 'b', 'c', 'd'].map((id) => jobQueue(id, Date.now));
    const seen = new Map<number, string>();
    // On MySQL they often pick the same candidates and the later UPDATE gets fewer rows (or none):
    // slower, never wrong.
    for (let round = 0; round < 40 && seen.size < 40; round++) {
      const batches = await Promise.all(workers.map((w) => w.claim(4, 30_000, general)));
      for (const [i, batch] of batches.entries()) {
        for (const { lease } of batch) {
          expect(seen.get(lease.id)).toBeUndefined();
          seen.set(lease.id, ['a', 'b', 'c', 'd'][i]);
        }
      }
    }
    expect(seen.size).toBe(40);
    const [row] = await ds.query(`SELECT COUNT(*) AS n FROM job WHERE attempts = 1 AND lease_owner IS NOT NULL`);
    expect(Number(row.n)).toBe(40);
  });
});

describe('lanes', () => {
  it('the general lane never takes a welcome: neither one on an inbox row nor an old welcome job', async () => {
    const now = Date.now();
    await ds.query(
      `INSERT INTO inbox_event (dedup_key, partition_key, kind, payload, raw_xml, status, attempts, available_at, received_at, welcome_code, welcome_status, welcome_attempts, welcome_available_at, welcome_deadline_at)
       VALUES ('add-1', 'contact:wmW', 'contact.added', ?, '', 'done', 1, 0, ?, 'CODE-W', 'pending', 0, 0, ?)`,
      [JSON.stringify({ kind: 'contact.added', userId: 'zhangsan', externalUserId: 'wmW', welcomeCode: 'CODE-W' }), now, now + 20_000],
    );
    // As migration 1732300007000 left it, and as an instance of the previous version writes it.
    await ds.query(
      `INSERT INTO job (kind, lane, dedup_key, payload, priority, status, attempts, available_at, created_at) VALUES ('welcome', 'welcome', 'welcome:OLD', '{}', 0, 'pending', 0, 0, 0)`,
    );
    await ds.query(
      `INSERT INTO job (kind, dedup_key, payload, priority, status, attempts, available_at, created_at) VALUES ('welcome', 'welcome:OLDER', '{}', 0, 'pending', 0, 0, 0)`,
    );
    await addJobs(1);
    // The service's general lane (its handler's outcome does not matter here).
    const { result, detailed } = await countStatements(ds, () => h.runtime.jobs.general.drainOnce());
    expect(result).toBe(1);
    const untouched = await ds.query(`SELECT dedup_key, attempts FROM job WHERE kind = 'welcome' ORDER BY id`);
    expect(untouched.map((r: { dedup_key: string; attempts: unknown }) => [r.dedup_key, Number(r.attempts)])).toEqual([
      ['welcome:OLD', 0],
      ['welcome:OLDER', 0],
    ]);
    // The plan of the claim's search: the (status, lane, priority, id) index, in order, no sort.
    const search = detailed[0];
    const plan = JSON.stringify(await ds.query(`${mysql ? 'EXPLAIN' : 'EXPLAIN QUERY PLAN'} ${search.sql}`, search.params));
    expect(plan).toContain('idx_job_claim_lane');
    expect(plan).not.toMatch(/filesort|TEMP B-TREE/i);
    // The welcome lane takes the welcome from its inbox row.
    const welcomes = await createWelcomeQueue(ds, 'w1').claim(8, 21_000);
    expect(welcomes.map((w) => welcomeFromRow(w.raw).payload)).toEqual([
      expect.objectContaining({ welcomeCode: 'CODE-W', externalUserId: 'wmW', userId: 'zhangsan', mayHaveSentAt: null }),
    ]);
  });
});

describe('locks (MySQL)', () => {
  // Under REPEATABLE READ an UPDATE through a secondary index also locks the gap after its last
  // row; for the newest open rows that is where intake INSERTs the next callback.
  it('claiming and finishing the newest inbox events go by primary key and never make intake wait', async () => {
    if (!mysql) return;
    for (let i = 0; i < 300; i++) await addInboxEvent(`contact:L${i}`, `lock-${i}`);
    const queue = inboxQueue('w1', Date.now);
    // Everything but the newest eight is worked off; the claim then takes the newest.
    const older = await queue.claim(292, 60_000);
    await queue.finishMany(older.map((c) => ({ lease: c.lease, status: 'done' })));
    const claim = await countStatements(ds, () => queue.claim(8, 60_000));
    expect(claim.result).toHaveLength(8);
    const finish = await countStatements(ds, () => queue.finishMany(claim.result.map((c, i) => ({ lease: c.lease, status: i % 2 ? 'done' : 'ignored' }))));
    const updates = [...claim.detailed, ...finish.detailed].filter((st) => st.sql.startsWith('UPDATE'));
    expect(updates).toHaveLength(2);
    for (const statement of updates) {
      const plan: Array<{ key: string }> = await ds.query(`EXPLAIN ${statement.sql}`, statement.params);
      expect(plan.map((p) => p.key)).toEqual(['PRIMARY']);
    }
    // The finish again, on the same rows open again, held uncommitted as if its commit were slow.
    await ds.query(`UPDATE inbox_event SET status = 'pending', finished_at = NULL WHERE id IN (${claim.result.map((c) => c.lease.id).join(',')})`);
    const holder = ds.createQueryRunner();
    const intake = ds.createQueryRunner();
    try {
      await holder.startTransaction();
      const held = await holder.query(finish.detailed[0].sql, finish.detailed[0].params, true);
      expect(held.affected).toBe(8);
      await intake.query('SET SESSION innodb_lock_wait_timeout = 1');
      const started = Date.now();
      await intake.query(
        `INSERT INTO inbox_event (dedup_key, partition_key, kind, payload, raw_xml, status, attempts, available_at, received_at) VALUES ('lock-new', 'contact:new', 'contact.edited', '{}', '', 'pending', 0, 0, 0)`,
      );
      expect(Date.now() - started).toBeLessThan(900);
    } finally {
      await holder.rollbackTransaction().catch(() => undefined);
      await holder.release();
      await intake.release();
    }
  });
});

describe('completing rows', () => {
  it('rows that finish together are written by one statement, each with its own status', async () => {
    await addJobs(6);
    const queue = jobQueue('w1', Date.now);
    const claimed = await queue.claim(6, 30_000, general);
    const statuses = ['done', 'skipped', 'done', 'ignored', 'done', 'done'];
    const { result, statements } = await countStatements(ds, () => queue.finishMany(claimed.map((c, i) => ({ lease: c.lease, status: statuses[i] }))));
    expect(result).toBe(6);
    expect(statements).toHaveLength(1);
    const rows = await ds.query(`SELECT status, lease_until, finished_at FROM job ORDER BY id`);
    expect(rows.map((r: { status: string }) => r.status)).toEqual(statuses);
    expect(rows.every((r: { lease_until: unknown; finished_at: unknown }) => r.lease_until === null && Number(r.finished_at) > 0)).toBe(true);
  });

  it('a batch keeps checking each lease: a row whose lease was lost keeps its new holder\'s state', async () => {
    await addJobs(3);
    const clock = manualClock();
    const slow = jobQueue('slow', clock.now);
    const early = await slow.claim(2, 30_000, general); // cost-0, cost-1
    clock.advance(20_000);
    expect(await slow.extend(early[1].lease, 30_000)).toBe(true); // cost-1's handler is renewing, cost-0's hangs
    clock.advance(10_001);
    // cost-0's lease ran out and another worker took it (and cost-2); cost-1 is still slow's own.
    const other = jobQueue('other', clock.now);
    const [stolen] = await other.claim(1, 30_000, general);
    expect(stolen.lease.id).toBe(early[0].lease.id);
    const late = await slow.claim(1, 30_000, general); // cost-2, another claim of the same worker
    const written = await slow.finishMany([
      { lease: early[0].lease, status: 'done' },
      { lease: early[1].lease, status: 'skipped' },
      { lease: late[0].lease, status: 'done' },
    ]);
    expect(written).toBe(2);
    expect(await jobStatus('cost-0')).toEqual({ status: 'pending', attempts: 2, leaseOwner: stolen.lease.owner });
    expect((await jobStatus('cost-1')).status).toBe('skipped');
    expect((await jobStatus('cost-2')).status).toBe('done');
    // The new holder finishes it normally.
    expect(await other.finish(stolen.lease, 'done')).toBe(true);
  });

  it('the same row twice in one batch (its lease ran out and this worker took it again): only the live lease counts', async () => {
    await addJobs(1);
    const clock = manualClock();
    const queue = jobQueue('w1', clock.now);
    const [stale] = await queue.claim(1, 30_000, general);
    clock.advance(30_001);
    const [live] = await queue.claim(1, 30_000, general);
    expect(live.lease.id).toBe(stale.lease.id);
    expect(await queue.finishMany([{ lease: stale.lease, status: 'skipped' }, { lease: live.lease, status: 'done' }])).toBe(1);
    expect((await jobStatus('cost-0')).status).toBe('done');
  });

  it('a worker working off a backlog claims in batches of half its slots, not one row per completion', async () => {
    await addJobs(40);
    const sizes: number[] = [];
    const queue = jobQueue('refiller', Date.now);
    const claim = queue.claim.bind(queue);
    queue.claim = async (...args) => {
      const rows = await claim(...args);
      if (rows.length) sizes.push(rows.length);
      return rows;
    };
    let handled = 0;
    const worker = new QueueWorker({
      name: 'test:refill',
      queue,
      fromRow: jobFromRow,
      // Staggered: one ends every few milliseconds, as real handlers do.
      handle: (job) => new Promise<'done'>((resolve) => setTimeout(() => (handled++, resolve('done')), 2 + (job.id % 5))),
      isPermanent: () => false,
      logger: silentLogger,
      concurrency: 8,
      leaseMs: 30_000,
      pollMs: 1000,
      maxAttempts: 3,
      retryBaseMs: 100,
      retryCapMs: 100,
      claimFilter: general,
    });
    worker.start();
    const deadline = Date.now() + 10_000;
    while (handled < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await worker.stop();
    expect(handled).toBe(40);
    // Each claim took at least half the slots, but the last (what was left); one claim per
    // completion would have been up to 40 claims (80 statements).
    expect(sizes.slice(0, -1).every((n) => n >= 4)).toBe(true);
    expect(sizes.length).toBeLessThanOrEqual(11);
  });

  it('a worker running a full batch spends one claim and one completion write on it', async () => {
    await addJobs(8);
    const gate: Array<() => void> = [];
    const worker = new QueueWorker({
      name: 'test:batch',
      queue: jobQueue('batcher', Date.now),
      fromRow: jobFromRow,
      // All eight end in the same moment, as a batch of quick handlers does.
      handle: () => new Promise<'done'>((resolve) => gate.push(() => resolve('done'))),
      isPermanent: () => false,
      logger: silentLogger,
      concurrency: 8,
      leaseMs: 30_000,
      pollMs: 10,
      maxAttempts: 3,
      retryBaseMs: 100,
      retryCapMs: 100,
      claimFilter: general,
    });
    const { result, statements } = await countStatements(ds, async () => {
      const running = worker.drainOnce();
      while (gate.length < 8) await new Promise((r) => setImmediate(r));
      gate.forEach((open) => open());
      return running;
    });
    expect(result).toBe(8);
    expect(statements).toHaveLength(3);
    expect(statements.at(-1)).toMatch(/^UPDATE job (FORCE INDEX \(PRIMARY\) )?SET status = \?/);
    const [row] = await ds.query(`SELECT COUNT(*) AS n FROM job WHERE status = 'done' AND lease_until IS NULL`);
    expect(Number(row.n)).toBe(8);
  });
});
