import { EntityManager } from 'typeorm';
import type { AppContext } from '../context';
import { createWelcomeQueue, welcomeFromRow } from '../inbox/welcome-queue';
import { ClaimFilter, LeasedQueue } from '../queue/leased-queue';
import { FinalStatus, QueueWorker, QueueWorkerOptions } from '../queue/queue-worker';
import { WecomApiError } from '../wecom/errors';
import { GENERAL_LANE } from './enqueue';
import { jobFromRow } from './job-row';
import { Job } from './job.entity';

/** A welcome's lease outlives the code's 20 s window: no second worker can send while the first may still be trying. */
export const WELCOME_LEASE_MS = 21_000;

export type JobHandler = (job: Job, ctx: AppContext) => Promise<FinalStatus>;
export type JobHandlers = Record<string, JobHandler>;

export interface JobWorkerOptions {
  /** Concurrency of the general lane; the welcome lane gets its own slots. */
  concurrency: number;
  welcomeConcurrency?: number;
  /**
   * MySQL: the welcome lane dead-letters expired codes in bulk, and the general lane yields (one
   * slot) while welcomes queue up.
   */
  welcomesFirst?: boolean;
  /**
   * Told about every welcome that is dead-lettered, in the transaction that does it, so the reps
   * can greet those customers by hand: in bulk by the sweep (no `cause`), or one by one by the
   * welcome lane (`cause`: the last error).
   */
  onWelcomesExpired?: (jobs: Job[], manager: EntityManager, cause?: unknown) => Promise<void>;
  pollMs?: number;
  /** Epoch ms for leases, backoff and deadlines (tests). */
  clock?: () => number;
}

/**
 * Two lanes: welcomes (20 s deadline), kept on their inbox rows, have their own workers so a
 * backlog of tagging or notices can never delay them; every job in the job table shares the
 * general lane.
 */
export function createJobWorkers(ctx: AppContext, handlers: JobHandlers, options: JobWorkerOptions) {
  const queue = new LeasedQueue(ctx.dataSource, { table: 'job', prioritized: true, clock: options.clock }, ctx.workerId);
  const welcomeQueue = createWelcomeQueue(ctx.dataSource, ctx.workerId, options.clock);
  const now = queue.now;
  const lane = (
    name: string,
    laneQueue: LeasedQueue,
    fromRow: (raw: Record<string, unknown>) => Job,
    concurrency: number,
    filter: ClaimFilter,
    leaseMs: number,
    extra: Pick<QueueWorkerOptions<Job>, 'sweep' | 'throttle' | 'fallbackClaimFilter' | 'onDeadLetter' | 'claimEagerly'> = {},
  ) =>
    new QueueWorker<Job>({
      name,
      queue: laneQueue,
      fromRow,
      handle: async (job) => {
        const handler = handlers[job.kind];
        if (!handler) throw new UnknownJobKindError(job.kind);
        return handler(job, ctx);
      },
      isPermanent: isPermanentJobError,
      logger: ctx.logger,
      concurrency,
      leaseMs,
      pollMs: options.pollMs ?? 100,
      maxAttempts: 8,
      retryBaseMs: 500,
      retryCapMs: 60_000,
      claimFilter: filter,
      ...extra,
    });
  const { onWelcomesExpired } = options;
  // A welcome the lane gives up on (expired, refused, or failing until its deadline) is as lost
  // as one the sweep expires: the same note, exactly once.
  const onDeadWelcome: QueueWorkerOptions<Job>['onDeadLetter'] = onWelcomesExpired && ((job, error, manager) => onWelcomesExpired([job], manager, error));
  // Newest code first, read backwards along the (welcome_status, welcome_deadline_at) index.
  const newestFirst = [{ column: 'welcome_deadline_at', desc: true }, { column: 'id', desc: true }];
  const freshWelcomes: ClaimFilter = {
    sql: 'e.welcome_deadline_at > ?',
    params: () => [now() + 500],
    order: newestFirst,
  };
  const lanes = {
    queue,
    welcomeQueue,
    // The welcome lease outlives the code's 20 s window, so no second worker can ever call
    // send_welcome_msg while the first may still be trying. A crashed instance's welcomes are
    // freed at its restart (same INSTANCE_ID), not by lease expiry.
    //
    // Newest first, and only codes still valid: in a backlog larger than the lane can clear in
    // 20 s, oldest-first would spend every call on codes about to expire and welcome nobody in
    // time; newest-first welcomes as many customers as the lane's capacity allows, promptly.
    // Codes that expired unclaimed are dead-lettered in bulk.
    welcome: options.welcomesFirst
      ? lane('jobs:welcome', welcomeQueue, welcomeFromRow, options.welcomeConcurrency ?? 8, freshWelcomes, WELCOME_LEASE_MS, {
          onDeadLetter: onDeadWelcome,
          claimEagerly: true,
          sweep: async () => {
            try {
              const expired = await welcomeQueue.expireWhere('welcome_deadline_at < ?', [now()], 'welcome code expired before it could be sent', {
                alongside: async (rows, manager) => onWelcomesExpired?.(rows.map(welcomeFromRow), manager),
              });
              if (expired.length) ctx.logger.warn({ expired: expired.length }, 'welcome codes expired in the backlog');
            } catch (error) {
              // Housekeeping: the lane goes on claiming; the next sweep tries again.
              ctx.logger.error({ err: (error as Error).message }, 'welcome expiry sweep failed');
            }
          },
        })
      : // SQLite: newest valid codes first too, but no sweep. It is one more write every second,
        // and while another process holds the database's write lock every write freezes this
        // process for busy_timeout (measured in the outage fault test). Expired codes are claimed
        // once no valid one waits, and the handler dead-letters them without calling WeCom.
        lane('jobs:welcome', welcomeQueue, welcomeFromRow, options.welcomeConcurrency ?? 8, freshWelcomes, WELCOME_LEASE_MS, {
          onDeadLetter: onDeadWelcome,
          claimEagerly: true,
          fallbackClaimFilter: { sql: 'e.welcome_deadline_at <= ?', params: () => [now() + 500], order: newestFirst },
        }),
  };
  return {
    ...lanes,
    // One process, one event loop: while welcomes queue up, tagging and notices take one slot
    // so the welcome lane gets the CPU it needs to beat the 20 s deadline.
    // A job of kind 'welcome' can only come from an instance of an earlier version during a
    // deploy (see migration 1732300007100): left to that instance's own welcome lane.
    general: lane('jobs:general', queue, jobFromRow, options.concurrency, { sql: "e.lane = ? AND e.kind <> 'welcome'", params: [GENERAL_LANE] }, 30_000, {
      throttle: options.welcomesFirst ? () => (lanes.welcome.saturated ? 1 : undefined) : undefined,
    }),
  };
}

/** Thrown by a handler when retrying cannot help: the job is dead-lettered at once, reason kept. */
export class PermanentJobFailure extends Error {}

/** Whether retrying a job that failed with `error` is pointless: a PermanentJobFailure, or WeCom refusing for good. */
export function isPermanentJobError(error: unknown): boolean {
  return error instanceof PermanentJobFailure || (error instanceof WecomApiError && !error.retryable);
}

export class UnknownJobKindError extends PermanentJobFailure {
  constructor(kind: string) {
    super(`no handler for job kind "${kind}"`);
  }
}
