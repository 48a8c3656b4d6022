import type { ScheduledTask } from '../../scheduler/scheduled-task';
import { DAY_MS } from '../../util/time';
import { rescoreAll } from './rescore-all';
import { loadScoringRules } from './rules';

/**
 * Decay needs time to pass without events, so nothing else would re-score a quiet lead: once a
 * day, re-score the leads idle longer than the decay start. Decay moves in steps of days, so a
 * daily sweep shows each step within a day of when it is due.
 */
export const scoreDecayTask: ScheduledTask = {
  name: 'score.decay',
  cron: '20 3 * * *',
  async run(ctx, slotStartedAt) {
    const rules = await loadScoringRules(ctx.dataSource);
    if (rules.decay.factor >= 1) return;
    const result = await rescoreAll(ctx.dataSource, rules, {
      batchSize: 500,
      idleBefore: slotStartedAt - rules.decay.afterDays * DAY_MS,
    });
    if (result.alerts) ctx.kick();
    ctx.logger.info({ processed: result.processed, changed: result.changed, ms: result.elapsedMs }, 'score decay sweep done');
  },
};
