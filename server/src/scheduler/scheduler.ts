import { createTask, type Logger as CronLogger, type RunCoordinator, type ScheduledTask as CronTask } from 'node-cron';
import type { AppContext } from '../context';
import { scheduledTasks, type ScheduledTask } from './tasks';
import { acquireSlot } from './lease';
import { runLeasedTask } from './run-task-once';
import { pruneLeasesTask } from './prune-leases-task';
import { CHINA_TIMEZONE } from '../util/china-time';

/** Cron expressions are read as China Standard Time: "0 9 * * *" means 9:00 in Shanghai. */
export const SCHEDULER_TIMEZONE = CHINA_TIMEZONE;

export interface Scheduler {
  /** Stops firing new slots and waits for the runs in flight. */
  stop(): Promise<void>;
}

/**
 * Fires every registered task on its cron expression. Each fire goes through node-cron's run
 * coordinator, which here inserts the (task, slot) lease row: with several instances on one
 * database exactly one of them runs each slot. The coordinator is given per task rather than
 * through the process-global setRunCoordinator, so two runtimes in one process (tests) each
 * keep their own database.
 */
export function startScheduler(ctx: AppContext, tasks: ScheduledTask[] = scheduledTasks): Scheduler {
  const inFlight = new Set<Promise<unknown>>();
  let stopped = false;
  const track = <T>(promise: Promise<T>): Promise<T> => {
    inFlight.add(promise);
    promise.finally(() => inFlight.delete(promise)).catch(() => undefined);
    return promise;
  };
  const logger: CronLogger = {
    info: (message) => ctx.logger.info({ component: 'scheduler' }, message),
    warn: (message) => ctx.logger.warn({ component: 'scheduler' }, message),
    error: (message, err) => ctx.logger.error({ component: 'scheduler', err: err ?? message }, typeof message === 'string' ? message : 'scheduler error'),
    debug: (message) => ctx.logger.debug({ component: 'scheduler' }, String(message)),
  };

  const cronTasks: CronTask[] = [...tasks, pruneLeasesTask].map((task) => {
    const coordinator: RunCoordinator = {
      // node-cron's key is `${name}:${slot ISO}`; the slot is what every instance agrees on.
      shouldRun: (key) => {
        if (stopped) return false;
        const slot = Date.parse(key.slice(task.name.length + 1));
        if (!Number.isFinite(slot)) throw new Error(`unexpected coordination key ${key}`);
        return track(acquireSlot(ctx, task.name, slot));
      },
    };
    const cronTask = createTask(
      task.cronFrom?.(ctx.config) ?? task.cron,
      (context) => (stopped ? undefined : track(runLeasedTask(ctx, task, context.date.getTime()))),
      {
        name: task.name,
        timezone: SCHEDULER_TIMEZONE,
        distributed: true,
        runCoordinator: coordinator,
        noOverlap: true,
        logger,
      },
    );
    return cronTask;
  });
  for (const t of cronTasks) void t.start();
  ctx.logger.info({ tasks: cronTasks.map((t) => t.name) }, 'scheduler started');

  return {
    async stop() {
      stopped = true;
      await Promise.all(cronTasks.map((t) => t.destroy()));
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
  };
}
