import type { AppContext } from '../../context';
import { releaseDedupKey } from '../../jobs/enqueue';
import type { Job } from '../../jobs/job.entity';
import { loadScoringRules } from './rules';
import { loadForScoring, scoreLoaded } from './write-scores';

/**
 * Job `lead.rescore` (queued by recordActivity / requestRescore): the incremental re-score of one
 * lead after an event. Re-running it recomputes from the stored activities, so it is idempotent.
 * At most one waits per lead: requests made before it starts fold into it.
 */
export async function rescoreLeadJob(job: Job, ctx: AppContext) {
  const leadId = Number((job.payload as { leadId?: unknown }).leadId);
  if (!Number.isInteger(leadId) || leadId <= 0) return 'ignored' as const;
  // Before anything is read: a change committed from here on queues a fresh re-score, and one
  // that got folded into this job is committed already (its insert held the key until commit).
  await releaseDedupKey(ctx.dataSource.manager, job);
  const rules = await loadScoringRules(ctx.dataSource);
  const stats = await ctx.dataSource.transaction(async (manager) => {
    const loaded = await loadForScoring(manager, { ids: [leadId] });
    // Gone or merged into another lead: the surviving lead is scored on its own events.
    if (!loaded.leads.length) return null;
    return scoreLoaded(manager, loaded, rules, { now: Date.now() });
  });
  if (!stats) return 'skipped' as const;
  if (stats.alerts) ctx.kick();
  return 'done' as const;
}
