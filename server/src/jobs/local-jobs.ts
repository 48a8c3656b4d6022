import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';
import { isMysql } from '../db/data-source';
import { rowIdOf } from '../db/inserted-id';
import { detachedFromDatabaseWork } from '../db/sqlite-serial';
import type { QueueWorker, Reservation } from '../queue/queue-worker';
import type { Job } from './job.entity';

/**
 * Jobs written by this process, run by this process: a job queued while the local general
 * worker has a free slot is written already leased to it and handed over the moment its
 * transaction commits. No claim (its two statements), no wait for a poll. If the transaction
 * rolls back, the slot is freed and nothing runs; if the process dies first, the lease runs out
 * and another instance claims the job, as with any claim.
 *
 * Only single jobs with nothing to wait for: a job of a multi-row INSERT gets no id of its own
 * from the driver, so those are written unleased and claimed as before.
 */
interface Pending {
  reservation: Reservation;
  id: number;
  raw: Record<string, unknown>;
  /** The transaction depth it was written at: a rollback to a savepoint above it drops it. */
  depth: number;
}

const workers = new WeakMap<DataSource, QueueWorker<Job>>();
const pendingByRunner = new WeakMap<QueryRunner, Pending[]>();
const listening = new WeakSet<DataSource>();

/** From now on, jobs this process queues may run on `worker` (runtime.ts, when workers run here). */
export function runJobsLocally(dataSource: DataSource, worker: QueueWorker<Job>): void {
  workers.set(dataSource, worker);
  if (listening.has(dataSource)) return;
  listening.add(dataSource);
  dataSource.subscribers.push(transactionEnds);
}

export function stopRunningJobsLocally(dataSource: DataSource): void {
  workers.delete(dataSource);
}

export interface LocalJobRow {
  kind: string;
  lane: string;
  dedupKey: string;
  payload: Record<string, unknown>;
  priority: number;
  availableAt: number;
  deadlineAt: number | null;
  createdAt: number;
}

/**
 * Writes one job leased to the local worker, when there is one with a free slot. True when the
 * job is taken care of (written, or already there under its dedup key); false when the caller
 * must write it the usual way.
 */
export async function enqueueLocally(manager: EntityManager, job: LocalJobRow): Promise<boolean> {
  const dataSource = manager.connection;
  const worker = workers.get(dataSource);
  if (!worker || job.availableAt > Date.now()) return false;
  const reservation = worker.reserve();
  if (!reservation) return false;
  const ignore = isMysql(dataSource) ? 'INSERT IGNORE' : 'INSERT OR IGNORE';
  const runner = manager.queryRunner ?? dataSource.createQueryRunner();
  let written: { affected?: number; raw: unknown };
  try {
    written = await runner.query(
      `${ignore} INTO job (kind, lane, dedup_key, payload, priority, status, attempts, available_at, deadline_at, lease_owner, lease_until, created_at)
       VALUES (?, ?, ?, ?, ?, 'pending', 1, ?, ?, ?, ?, ?)`,
      [job.kind, job.lane, job.dedupKey, JSON.stringify(job.payload), job.priority, job.availableAt, job.deadlineAt, reservation.owner, reservation.until, job.createdAt],
      true,
    );
  } catch (error) {
    worker.cancel(reservation);
    throw error;
  } finally {
    if (runner !== manager.queryRunner) await runner.release();
  }
  if (written.affected !== 1) {
    // A job with this key exists already: it is someone else's to run.
    worker.cancel(reservation);
    return true;
  }
  const id = rowIdOf(written.raw);
  const row = {
    kind: job.kind,
    lane: job.lane,
    dedup_key: job.dedupKey,
    payload: job.payload,
    priority: job.priority,
    status: 'pending',
    attempts: 1,
    available_at: job.availableAt,
    deadline_at: job.deadlineAt,
    lease_until: reservation.until,
    last_error: null,
    created_at: job.createdAt,
    finished_at: null,
  };
  const depth = transactionDepth(runner);
  if (runner === manager.queryRunner && runner.isTransactionActive) {
    const pending = pendingByRunner.get(runner) ?? [];
    pending.push({ reservation, id, raw: row, depth });
    pendingByRunner.set(runner, pending);
  } else {
    handOff(worker, [{ reservation, id, raw: row, depth }]);
  }
  return true;
}

const transactionDepth = (runner: QueryRunner) => (runner as unknown as { transactionDepth?: number }).transactionDepth ?? 0;

function handOff(worker: QueueWorker<Job>, rows: Pending[]): void {
  // Not as part of the transaction that just ended (SQLite runs a transaction's own code
  // straight through its lock): the jobs' statements take their turn like anyone's.
  detachedFromDatabaseWork(() => setImmediate(() => rows.forEach((p) => worker.handOff(p.reservation, p.id, p.raw))));
}

const transactionEnds: EntitySubscriberInterface = {
  afterTransactionCommit(event: TransactionCommitEvent) {
    const runner = event.queryRunner;
    // A savepoint released inside a transaction is not a commit yet.
    if (runner.isTransactionActive) return;
    const pending = pendingByRunner.get(runner);
    if (!pending?.length) return;
    pendingByRunner.delete(runner);
    // If the worker was stopped meanwhile, the leases run out and a claim takes the jobs.
    const worker = workers.get(runner.connection);
    if (worker) handOff(worker, pending);
  },
  afterTransactionRollback(event: TransactionRollbackEvent) {
    const runner = event.queryRunner;
    const pending = pendingByRunner.get(runner);
    if (!pending?.length) return;
    // Rolled back to depth d: what was written deeper is gone.
    const depth = transactionDepth(runner);
    const kept = pending.filter((p) => p.depth <= depth);
    const dropped = pending.filter((p) => p.depth > depth);
    if (kept.length) pendingByRunner.set(runner, kept);
    else pendingByRunner.delete(runner);
    const worker = workers.get(runner.connection);
    for (const p of dropped) worker?.cancel(p.reservation);
  },
};
