import type { ScheduledTask } from '../../scheduler/scheduled-task';
import { pullForOneTurn } from './pull-job';

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
      // A backlog: the rest goes on at once as a job, not at the next slot.
      await pullForOneTurn(ctx);
    } catch (error) {
      ctx.logger.warn({ err: error }, 'chat archive pull failed; the next slot or msgaudit_notify tries again');
    }
  },
};
