import type { AppContext } from '../../context';
import { releaseDedupKey } from '../../jobs/enqueue';
import type { Job } from '../../jobs/job.entity';
import { pullArchive } from './pull-archive';

export const PULL_ARCHIVE_JOB = 'archive.pull';

/** Job archive.pull (queued by msgaudit_notify): one pull until caught up. A failed pull is retried with backoff. */
export async function pullArchiveJob(job: Job, ctx: AppContext): Promise<'done' | 'skipped'> {
  if (!ctx.archive) return 'skipped';
  // Before pulling: a notify from now on queues another pull, for what arrives after this one read.
  await releaseDedupKey(ctx.dataSource.manager, job);
  const result = await pullArchive(ctx);
  if (result.stored || result.stoppedBy) ctx.logger.info({ archive: result }, 'chat archive pulled');
  return 'done';
}
