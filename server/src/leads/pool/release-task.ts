import type { ScheduledTask } from '../../scheduler/scheduled-task';
import { releaseOverdueLeads } from './release';

/** Every minute: overdue leads go back to the public pool (once per slot across instances). */
export const poolReleaseTask: ScheduledTask = {
  name: 'pool.release',
  cron: '* * * * *',
  async run(ctx) {
    await releaseOverdueLeads(ctx);
  },
};
