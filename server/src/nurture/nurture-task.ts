import type { AppContext } from '../context';
import type { ScheduledTask } from '../scheduler/scheduled-task';
import { reconcileCallingPushes } from './sending/reconcile-push';
import { batchQueuedPushes, sendReadyPushes } from './sending/send-pushes';
import { trackPushes } from './sending/track-pushes';
import { runDueSteps, type StepTickResult } from './steps/run-due-steps';

export interface NurtureTickResult {
  reconciled: { adopted: number; resent: number };
  steps: StepTickResult;
  pushesCreated: number;
  pushesSent: number;
  pushesTracked: number;
}

/**
 * One pass of nurture at `now`, in the order that lets a step due now go out in the same pass:
 * first settle calls whose answer was lost (so nothing is sent twice), then run due steps, batch
 * the pushes they queued, call add_msg_template for them, and read back confirmations, results
 * and reminders for what is awaiting. Each part is safe to run twice or on two instances at once
 * (its writes are conditional); the scheduler's lease makes one instance run each minute's pass.
 */
export async function nurtureTick(ctx: AppContext, now: number): Promise<NurtureTickResult> {
  const reconciled = await reconcileCallingPushes(ctx, now);
  const steps = await runDueSteps(ctx, now);
  const pushesCreated = await batchQueuedPushes(ctx, now);
  const pushesSent = await sendReadyPushes(ctx, now);
  const pushesTracked = await trackPushes(ctx, now);
  return { reconciled, steps, pushesCreated, pushesSent, pushesTracked };
}

/** Every minute by default; NURTURE_TICK_CRON changes it (the demo and tests run it faster). */
export const nurtureTask: ScheduledTask = {
  name: 'nurture',
  cron: '* * * * *',
  cronFrom: (config) => config.nurtureTickCron,
  async run(ctx) {
    const result = await nurtureTick(ctx, (ctx.clock ?? Date.now)());
    if (Object.keys(result.steps.ran).length || result.pushesSent || result.reconciled.adopted) ctx.logger.info({ nurture: result }, 'nurture pass');
  },
};
