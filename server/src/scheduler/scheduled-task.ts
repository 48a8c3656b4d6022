import type { AppConfig } from '../config';
import type { AppContext } from '../context';

/**
 * Recurring work (pool release, follow-up reminders, score decay…). The scheduler runs each task
 * on its cron expression, once per time slot across all instances (a database lease per slot).
 */
export interface ScheduledTask {
  name: string;
  /** node-cron expression, e.g. every minute. */
  cron: string;
  /** The cron expression from configuration, when the operator may change it; `cron` otherwise. */
  cronFrom?(config: AppConfig): string | undefined;
  run(ctx: AppContext, slotStartedAt: number): Promise<void>;
}
