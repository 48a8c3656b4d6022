import type { AppContext } from '../../context';
import { enqueueJob, PRIORITY, releaseDedupKey } from '../../jobs/enqueue';
import type { Job } from '../../jobs/job.entity';
import { pullArchive } from './pull-archive';

export const PULL_ARCHIVE_JOB = 'archive.pull';

/** How long one job pulls before handing the rest to the next (well within what a job's lease holds). */
export const PULL_JOB_MS = 4 * 60_000;

/** Queues a pull (msgaudit_notify, or the rest of a backlog); while one waits to start, another is a no-op. */
export async function queueArchivePull(ctx: AppContext): Promise<void> {
  await enqueueJob(ctx.dataSource.manager, { kind: PULL_ARCHIVE_JOB, dedupKey: PULL_ARCHIVE_JOB, payload: {}, priority: PRIORITY.background });
  ctx.kick();
}

/**
 * Job archive.pull (queued by msgaudit_notify): a pull until caught up, or for PULL_JOB_MS when a
 * backlog is longer, queuing the next job for the rest. A failed pull is retried with backoff.
 */
export async function pullArchiveJob(job: Job, ctx: AppContext): Promise<'done' | 'skipped'> {
  if (!ctx.archive) return 'skipped';
  // Before pulling: a notify from now on queues another pull, for what arrives after this one read.
  await releaseDedupKey(ctx.dataSource.manager, job);
  await pullForOneTurn(ctx);
  return 'done';
}

/** One pull of at most PULL_JOB_MS (the job's and the schedule's), logged; the rest of a backlog goes on as the next job at once. */
export async function pullForOneTurn(ctx: AppContext): Promise<void> {
  const result = await pullArchive(ctx, undefined, { forMs: PULL_JOB_MS });
  if (result.stored || result.stoppedBy) ctx.logger.info({ archive: result }, 'chat archive pulled');
  if (result.more) await queueArchivePull(ctx);
}
