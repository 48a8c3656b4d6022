import type { AppContext } from './context';
import { poolReleaseTask } from './leads/pool/release-task';
import { followUpReminderTask } from './leads/follow-ups/reminders';
import { scoreDecayTask } from './leads/scoring/decay-task';
import { pruneQueuesTask } from './queue/prune-task';
import { pruneRepSessionsTask } from './auth/session-prune-task';

/**
 * Recurring work (pool release, follow-up reminders, score decay…). The scheduler runs each task
 * on its cron expression, once per time slot across all instances (a database lease per slot).
 */
export interface ScheduledTask {
  name: string;
  /** node-cron expression, e.g. every minute. */
  cron: string;
  run(ctx: AppContext, slotStartedAt: number): Promise<void>;
}

export const scheduledTasks: ScheduledTask[] = [poolReleaseTask, scoreDecayTask, followUpReminderTask, pruneQueuesTask, pruneRepSessionsTask];
