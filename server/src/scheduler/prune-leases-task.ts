import type { ScheduledTask } from './scheduled-task';
import { pruneLeases } from './lease';
import { DAY_MS } from '../util/time';

export const LEASE_RETENTION_MS = 7 * DAY_MS;

/** The scheduler's own housekeeping: one lease row per task per slot adds up (1440 a day per minutely task). */
export const pruneLeasesTask: ScheduledTask = {
  name: 'scheduler.prune-leases',
  cron: '17 3 * * *',
  async run(ctx) {
    const removed = await pruneLeases(ctx, LEASE_RETENTION_MS);
    if (removed) ctx.logger.info({ removed }, 'pruned old scheduler leases');
  },
};
