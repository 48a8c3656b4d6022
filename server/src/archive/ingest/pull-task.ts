import type { ScheduledTask } from '../../scheduler/scheduled-task';
import { pullArchive } from './pull-archive';

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
      const result = await pullArchive(ctx);
      if (result.stored || result.stoppedBy) ctx.logger.info({ archive: result }, 'chat archive pulled');
    } catch (error) {
      ctx.logger.warn({ err: error }, 'chat archive pull failed; the next slot or msgaudit_notify tries again');
    }
  },
};
