import { Channel } from '../../channels/channel.entity';
import { createChannel } from '../../channels/commands';
import type { AppContext } from '../../context';
import { getSetting } from '../../settings/settings';
import type { WecomSimulator } from '../../wecom/simulator';
import { BUDGET_SETTING_KEY, saveBudgetSettings } from '../budget/budget-settings';
import { createSequence, findSequence } from '../sequences/sequences';
import { DEMO_EXPO_CHANNEL_STATE, demoExpoSequence } from './demo-sequence';

/** Demo mode runs the nurture pass this often (NURTURE_TICK_CRON wins when set). */
export const DEMO_NURTURE_TICK_CRON = '*/10 * * * * *';
/** How long after a push is created the demo's simulated member confirms it on their "phone". */
export const DEMO_CONFIRM_AFTER_MS = 15_000;

/**
 * Demo mode's nurture, so that `npm start` shows a series going out within minutes: the expo
 * channel (state `demoexpo`, 张三 and 李四, tag 展会) and the example 「认知 → 考虑 → 决策」
 * sequence with short delays (nurture/demo/demo-sequence.ts gives the real ones). Quiet hours and
 * the one-push-a-day rule are switched off — the ten-minute series would otherwise wait for the
 * morning or for tomorrow — but only while the admin has not set budget rules of their own.
 * Each part is created once; a restart changes nothing.
 */
export async function seedDemoNurture(ctx: AppContext): Promise<void> {
  const channels = ctx.dataSource.getRepository(Channel);
  if (!(await channels.findOneBy({ state: DEMO_EXPO_CHANNEL_STATE }))) {
    await createChannel(
      ctx,
      {
        name: '展会扫码（演示）',
        userIds: ['zhangsan', 'lisi'],
        tags: ['展会'],
        welcomeText: '您好，感谢您到访我们的展台！展会资料稍后发给您，有问题随时问我。',
      },
      { state: DEMO_EXPO_CHANNEL_STATE },
    );
  }
  const sequence = demoExpoSequence({ shortDelays: true });
  if (!(await findSequence(ctx.dataSource, sequence.key))) await createSequence(ctx.dataSource, sequence, null);
  if ((await getSetting(ctx.dataSource.manager, BUDGET_SETTING_KEY)) === null) {
    await saveBudgetSettings(ctx.dataSource.manager, { quietHours: null, onePerDay: false }, null);
  }
}

/**
 * The demo's members confirm group messages themselves: every pending task older than
 * DEMO_CONFIRM_AFTER_MS is confirmed in the simulator, as a rep tapping 「发送」 would. Returns the
 * timer's stop.
 */
export function autoConfirmDemoGroupMessages(simulator: WecomSimulator, everyMs = 5_000): () => void {
  const timer = setInterval(() => confirmDueDemoGroupMessages(simulator, Date.now()), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

export function confirmDueDemoGroupMessages(simulator: WecomSimulator, now: number): number {
  let confirmed = 0;
  for (const template of simulator.state.templates.values()) {
    if (template.cancelledAt !== undefined || now - template.createdAt < DEMO_CONFIRM_AFTER_MS) continue;
    if (!template.tasks.some((t) => t.status === 0)) continue;
    simulator.state.confirmGroupMessage(template.msgid);
    confirmed++;
  }
  return confirmed;
}
