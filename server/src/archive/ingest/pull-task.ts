import type { ScheduledTask } from '../../scheduler/scheduled-task';
import { pullArchive } from './pull-archive';
import { PULL_JOB_MS, queueArchivePull } from './pull-job';

/**
 * The safety net behind msgaudit_notify: a pull every ARCHIVE_PULL_CRON slot (every 5 minutes by
 * default), once across instances (the scheduler's lease), so a lost notify delays messages by
 * minutes at most. Off while the archive is.
 */
export const archivePullTask: ScheduledTask = {
  name: 'archive-pull',
  cron: '*/5 * * * *',
  cronFrom: (config) => config.archive?.pullCron,
  async run(ctx) {
    if (!ctx.archive) return;
    try {
      const result = await pullArchive(ctx, undefined, { forMs: PULL_JOB_MS });
      if (result.stored || result.stoppedBy) ctx.logger.info({ archive: result }, 'chat archive pulled');
      // A backlog: the rest goes on at once as a job, not at the next slot.
      if (result.more) await queueArchivePull(ctx);
    } catch (error) {
      ctx.logger.warn({ err: error }, 'chat archive pull failed; the next slot or msgaudit_notify tries again');
    }
  },
};
