import type { EntityManager } from 'typeorm';
import type { Logger } from '../logger';
import { backoffMs, sleep } from '../util/async';
import { ClaimFilter, Completion, Lease, LeasedQueue } from './leased-queue';

/** Lease renewals for one handler run: with a third of the lease each, ten leases' time. */
const MAX_RENEWALS = 30;

/**
 * What a handler decided for its row. Throwing means "failed this time". 'settled': the handler
 * wrote the row's outcome itself (in its own transaction, with what it changed), so the worker
 * writes nothing.
 */
export type FinalStatus = 'done' | 'ignored' | 'skipped' | 'settled';

/**
 * A slot a worker keeps for a row this process is about to write (QueueWorker.reserve): the row is
 * written already leased with `owner` / `until`, then handed over and run at once, unclaimed.
 */
export interface Reservation {
  owner: string;
  until: number;
}

export interface QueueRow {
  id: number;
  attempts: number;
  deadlineAt?: number | null;
}

export interface QueueWorkerOptions<Row extends QueueRow> {
  name: string;
  queue: LeasedQueue;
  /** The handler's view of a claimed row (the claim loads the rows: no query of its own). */
  fromRow(raw: Record<string, unknown>): Row;
  handle(row: Row): Promise<FinalStatus>;
  /** Errors that will not get better by retrying (e.g. WeCom says the id is invalid). */
  isPermanent(error: unknown): boolean;
  logger: Logger;
  concurrency: number;
  leaseMs: number;
  pollMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryCapMs: number;
  claimFilter?: ClaimFilter;
  /** Tried when claimFilter finds nothing (e.g. expired welcomes, once no valid one waits). */
  fallbackClaimFilter?: ClaimFilter;
  /** Housekeeping run before claiming, at most every sweepEveryMs (e.g. expire what is too late). */
  sweep?: () => Promise<void>;
  sweepEveryMs?: number;
  /** A lower concurrency to use for now (e.g. while a more urgent lane has a backlog). */
  throttle?: () => number | undefined;
  /**
   * Refill every free slot at once, even from a backlog (the welcome lane: a code's 20 s leave
   * no time to gather a batch). Otherwise a backlog is claimed in batches of half the slots.
   */
  claimEagerly?: boolean;
  /**
   * How long an outcome waits for others to be written with it (default 5 ms). The slot is free
   * at once; only the row's finished status (and a partition's next event) comes that much later.
   */
  completionLingerMs?: number;
  /**
   * Runs when this worker dead-letters a row (after maxAttempts, a permanent error or a passed
   * deadline), in the transaction that marks it dead, with the last error: e.g. telling a rep a
   * welcome will not be sent. If it throws, the row stays leased and comes back when the lease
   * runs out.
   */
  onDeadLetter?: (row: Row, error: unknown, manager: EntityManager) => Promise<void>;
}

/** Completions waiting to be written together, with who waits for each. */
interface QueuedCompletion extends Completion {
  done(error?: unknown): void;
}

/** Most rows one completion statement writes. */
const MAX_COMPLETION_BATCH = 200;

/**
 * Pulls rows from a LeasedQueue and runs them with bounded concurrency: retries with backoff,
 * dead-letters after maxAttempts (or a permanent error, or a passed deadline) keeping the error,
 * and on stop() finishes what it has in hand before resolving.
 */
export class QueueWorker<Row extends QueueRow> {
  private running = false;
  private inFlight = 0;
  /** Slots kept for rows being written by this process (reserve / handOff / cancel). */
  private reserved = 0;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private idle: Array<() => void> = [];
  private lastSweep = Number.NEGATIVE_INFINITY;
  private lastClaimFull = false;
  private lastClaimAt = 0;
  /** Work was announced (notify) since the last claim. */
  private newWork = true;
  private completions: QueuedCompletion[] = [];
  private flushing = false;
  private readonly unwritten = new Set<Promise<unknown>>();
  /** The lease renewals of the handlers running now (keepLeased). */
  private readonly heartbeats = new Set<() => Promise<unknown>>();

  constructor(private readonly options: QueueWorkerOptions<Row>) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** True while this worker has more work than slots: other lanes should make room for it. */
  get saturated(): boolean {
    return this.running && (this.lastClaimFull || this.inFlight >= this.options.concurrency);
  }

  /** Nudge: new work was just stored by this process; no need to wait for the poll. */
  notify(): void {
    this.newWork = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.notify();
    await this.loop;
    while (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    await this.outcomesWritten();
  }

  /**
   * Keeps a slot for a row this process is about to write, when one is free: the caller writes the
   * row leased to the reservation and hands it over (handOff) once it is committed, or cancels.
   * The row then runs here at once, with no claim (two statements saved) and no poll to wait for.
   * A process that dies holding it leaves a lease that runs out, like any claim's. Null when the
   * worker is not running, all its slots are busy, or it has a backlog (its last claim filled
   * every free slot): write the row unleased; a claim finds it. Under a backlog, rows claimed in
   * batches share their claim and completion statements, which one-by-one hand-offs would not
   * (measured: on SQLite, whose one connection is the bottleneck of a burst, hand-offs during a
   * backlog cost more statements per add and welcomes than they saved).
   */
  reserve(): Reservation | null {
    if (!this.running || this.lastClaimFull) return null;
    const limit = Math.min(this.options.concurrency, this.options.throttle?.() ?? this.options.concurrency);
    if (this.inFlight + this.reserved >= limit) return null;
    this.reserved++;
    return this.options.queue.newLease(this.options.leaseMs);
  }

  /** Runs a row written (and committed) under `reservation`; `raw` is the row as a claim would load it. */
  handOff(reservation: Reservation, id: number, raw: Record<string, unknown>): void {
    this.reserved--;
    this.runLeased(
      { id, owner: reservation.owner, until: reservation.until },
      this.options.fromRow({ ...raw, id, [this.options.queue.columns.leaseOwner]: reservation.owner }),
    );
  }

  /** The row was not written after all (a duplicate, a rollback): the slot is free again. */
  cancel(_reservation: Reservation): void {
    this.reserved--;
    this.wake?.();
  }

  /**
   * What the worker does with a row whose handler failed (retry with backoff, or dead-letter),
   * for a row it was handed but that another step ran (inbox/local-intake.ts: a welcome sent
   * before its capture).
   */
  recordFailure(lease: Lease, row: Row, error: unknown): Promise<void> {
    return this.fail(lease, row, error);
  }

  /** Claims and runs one batch, waiting for it; returns how many rows it handled (tests, tools). */
  async drainOnce(): Promise<number> {
    const batch = await this.claimBatch(this.options.concurrency);
    await Promise.all(batch.map(({ lease, row }) => this.process(lease, row)));
    await this.outcomesWritten();
    return batch.length;
  }

  /** Leases up to `limit` rows, loaded by the claim itself. */
  private async claimBatch(limit: number): Promise<Array<{ lease: Lease; row: Row }>> {
    const { sweep, sweepEveryMs = 1000, queue } = this.options;
    if (sweep && queue.now() - this.lastSweep >= sweepEveryMs) {
      this.lastSweep = queue.now();
      await sweep();
    }
    let claimed = await queue.claim(limit, this.options.leaseMs, this.options.claimFilter);
    if (claimed.length === 0 && this.options.fallbackClaimFilter) {
      claimed = await queue.claim(limit, this.options.leaseMs, this.options.fallbackClaimFilter);
    }
    return claimed.map(({ lease, raw }) => ({ lease, row: this.options.fromRow(raw) }));
  }

  private async run(): Promise<void> {
    while (this.running) {
      const limit = Math.min(this.options.concurrency, this.options.throttle?.() ?? this.options.concurrency);
      const capacity = limit - this.inFlight - this.reserved;
      // With a backlog (the last claim filled every free slot), claim again once half the slots
      // are free, not at every completion: a claim costs its two statements whatever its size,
      // and refilling one slot at a time made most claims single rows. Without a backlog, new
      // work is claimed as soon as it is announced; and slots held by slow handlers never keep
      // the free ones idle for longer than a poll.
      // And when the last claim emptied the queue, a freed slot alone is no reason to look again
      // (an empty claim is a statement too): new work announced, or the poll, is.
      const pollDue = Date.now() - this.lastClaimAt >= this.options.pollMs;
      const worthClaiming =
        capacity > 0 &&
        (this.lastClaimFull ? this.options.claimEagerly || capacity >= Math.ceil(limit / 2) || pollDue : this.newWork || pollDue);
      let claimed = 0;
      if (worthClaiming) {
        try {
          this.lastClaimAt = Date.now();
          this.newWork = false;
          const batch = await this.claimBatch(capacity);
          claimed = batch.length;
          this.lastClaimFull = claimed === capacity && capacity > 0;
          for (const { lease, row } of batch) this.runLeased(lease, row);
        } catch (error) {
          this.options.logger.error({ queue: this.options.name, err: (error as Error).message }, 'claim failed; will retry');
          await sleep(this.options.pollMs * 5);
        }
      }
      if (claimed === 0 || this.inFlight >= limit) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
      }
    }
  }

  /** Runs one leased row in a slot of its own. */
  private runLeased(lease: Lease, row: Row): void {
    this.inFlight++;
    void this.process(lease, row).finally(() => {
      this.inFlight--;
      this.wake?.();
      if (this.inFlight === 0) this.idle.splice(0).forEach((resolve) => resolve());
    });
  }

  /** Resolves once nothing runs and nothing is reserved (tests: "every side effect done"). */
  async settled(): Promise<void> {
    while (this.inFlight > 0 || this.reserved > 0 || this.unwritten.size > 0) {
      if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
      else await new Promise<void>((resolve) => setTimeout(resolve, 2));
      await this.outcomesWritten();
    }
  }

  private async process(lease: Lease, row: Row): Promise<void> {
    const { logger, name } = this.options;
    const heartbeat = this.keepLeased(lease, row);
    let status: FinalStatus;
    try {
      status = await this.options.handle(row);
    } catch (error) {
      // Renewals end before the outcome is written: a late one must not re-lease a row that
      // was just given back for a retry.
      await heartbeat.stop();
      await this.fail(lease, row, error).catch((e) =>
        logger.error({ queue: name, id: row.id, err: (e as Error).message }, 'could not record failure; lease will expire'),
      );
      return;
    }
    await heartbeat.stop();
    if (status === 'settled') return;
    // The slot is free now; the outcome is written with others that end close to it. Until then
    // the row stays leased to us, so nobody claims it again.
    const written = this.complete(lease, status).catch((error) =>
      logger.error({ queue: name, id: row.id, err: (error as Error).message }, 'could not record the outcome; lease will expire'),
    );
    this.unwritten.add(written);
    void written.finally(() => this.unwritten.delete(written));
  }

  /** Until every outcome handed to complete() so far is written (or failed to be). */
  private async outcomesWritten(): Promise<void> {
    while (this.unwritten.size > 0) await Promise.all([...this.unwritten]);
  }

  /**
   * Records a handler's outcome, together with the other outcomes of this worker that end within
   * completionLingerMs or while a write is under way: one UPDATE per batch instead of one per row
   * (each row still only if its lease is ours). Resolves once the outcome is stored; a
   * partition's next event becomes claimable only then, and stop() waits for it.
   */
  private complete(lease: Lease, status: FinalStatus): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.completions.push({ lease, status, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.flushing) void this.flushCompletions();
    });
  }

  private async flushCompletions(): Promise<void> {
    const { queue, logger, name } = this.options;
    this.flushing = true;
    // Outcomes of handlers that end within the linger go into the first write.
    const linger = this.options.completionLingerMs ?? 5;
    await new Promise<void>((resolve) => (linger > 0 ? setTimeout(resolve, linger) : setImmediate(resolve)));
    while (this.completions.length > 0) {
      const batch = this.completions.splice(0, MAX_COMPLETION_BATCH);
      try {
        const written = await queue.finishMany(batch);
        if (written < batch.length) {
          logger.warn({ queue: name, ids: batch.map((c) => c.lease.id), lost: batch.length - written }, 'lease lost before finishing; another worker owns the row');
        }
        batch.forEach((c) => c.done());
        // In a partitioned queue a finished row may free the next event of its partition.
        if (queue.partitioned) this.notify();
      } catch (error) {
        batch.forEach((c) => c.done(error ?? new Error('completion failed')));
      }
    }
    this.flushing = false;
  }

  /**
   * While a handler runs, renews its lease every third of the lease time: a slow handler (a
   * WeCom call that backs off, a large import row) must not be taken over by another worker and
   * run twice. A process that dies stops renewing, so its rows come free as before; so does a
   * handler that hangs, after MAX_RENEWALS (the row is then retried elsewhere).
   */
  private keepLeased(lease: Lease, row: Row): { stop(): Promise<void> } {
    const { queue, logger, name, leaseMs } = this.options;
    let renewals = 0;
    let pending: Promise<unknown> = Promise.resolve();
    const beat = (): Promise<unknown> => {
      if (++renewals > MAX_RENEWALS) {
        clearInterval(timer);
        this.heartbeats.delete(beat);
        logger.error({ queue: name, id: row.id, heldMs: renewals * Math.floor(leaseMs / 3) }, 'handler still running; no longer renewing its lease');
        return pending;
      }
      pending = queue
        .extend(lease, leaseMs)
        .then((kept) => {
          if (!kept) logger.warn({ queue: name, id: row.id }, 'lease lost while the handler was still running');
        })
        .catch((error) => logger.warn({ queue: name, id: row.id, err: (error as Error).message }, 'could not renew lease'));
      return pending;
    };
    const timer = setInterval(beat, Math.max(20, Math.floor(leaseMs / 3)));
    timer.unref();
    this.heartbeats.add(beat);
    return {
      stop: async () => {
        clearInterval(timer);
        this.heartbeats.delete(beat);
        await pending;
      },
    };
  }

  /**
   * Renews the lease of every row whose handler is running, now, as each one's timer does every
   * third of the lease. For tests on an injected clock: move the clock, renew, move it again.
   */
  async renewLeases(): Promise<void> {
    await Promise.all([...this.heartbeats].map((beat) => beat()));
  }

  private async fail(lease: Lease, row: Row, error: unknown): Promise<void> {
    const { queue, logger, name } = this.options;
    const message = describe(error);
    const delay = backoffMs(row.attempts, this.options.retryBaseMs, this.options.retryCapMs);
    const pastDeadline = row.deadlineAt != null && queue.now() + delay > row.deadlineAt;
    if (this.options.isPermanent(error) || row.attempts >= this.options.maxAttempts || pastDeadline) {
      logger.error({ queue: name, id: row.id, attempts: row.attempts, err: message }, 'dead-lettered');
      const { onDeadLetter } = this.options;
      const dead = await queue.deadLetter(lease, message, onDeadLetter && ((manager) => onDeadLetter(row, error, manager)));
      if (!dead) logger.warn({ queue: name, id: row.id }, 'lease lost before dead-lettering; another worker owns the row');
      return;
    }
    logger.warn({ queue: name, id: row.id, attempts: row.attempts, err: message, retryInMs: delay }, 'failed; will retry');
    await queue.retryLater(lease, queue.now() + delay, message);
  }
}

function describe(error: unknown): string {
  const e = error as Error;
  return (e?.message ?? String(error)).slice(0, 2000);
}
