import type { AppContext } from '../context';
import type { ScheduledTask } from './scheduled-task';
import { acquireSlot } from './lease';

export type SlotOutcome = 'ran' | 'skipped' | 'failed';

/** Runs a task whose slot lease this instance already holds; failures are logged, not thrown. */
export async function runLeasedTask(ctx: AppContext, task: ScheduledTask, slotStartedAt: number): Promise<SlotOutcome> {
  const started = Date.now();
  try {
    await task.run(ctx, slotStartedAt);
    ctx.logger.debug({ task: task.name, slot: new Date(slotStartedAt).toISOString(), ms: Date.now() - started }, 'scheduled task ran');
    return 'ran';
  } catch (error) {
    // The slot stays taken: the next slot catches up, tasks are written to be re-runnable.
    ctx.logger.error({ err: error, task: task.name, slot: new Date(slotStartedAt).toISOString() }, 'scheduled task failed');
    return 'failed';
  }
}

/**
 * One instance's attempt at one slot: take the lease, and run only if it was ours. The cron
 * scheduler does the same through node-cron's run coordinator; tests call this directly to fire
 * one slot from several instances at once.
 */
export async function runTaskOnce(ctx: AppContext, task: ScheduledTask, slotStartedAt: number): Promise<SlotOutcome> {
  if (!(await acquireSlot(ctx, task.name, slotStartedAt))) return 'skipped';
  return runLeasedTask(ctx, task, slotStartedAt);
}
