import type { AppContext } from '../context';
import { LEAD_STAGES } from '../leads/lead.entity';
import { PIPELINE } from '../leads/stages/transitions';
import { CohortFilter, loadCohort, rate, reachedCounts } from './cohort';
import { presentRange, type StatsRange } from './range';

/** Funnel of the leads created in the range: how many reached each stage, and the step conversions. */
export async function funnelStats(ctx: AppContext, range: StatsRange, filter: CohortFilter = {}) {
  const leads = await loadCohort(ctx, range, filter);
  const reached = reachedCounts(leads);
  const current: Record<string, number> = Object.fromEntries(LEAD_STAGES.map((s) => [s, 0]));
  for (const lead of leads) current[lead.stage] = (current[lead.stage] ?? 0) + 1;
  return {
    ...presentRange(range),
    filter: { channelId: filter.channelId ?? null, ownerUserId: filter.ownerUserId ?? null },
    leads: leads.length,
    stages: PIPELINE.map((stage, i) => ({
      stage,
      reached: reached[stage],
      conversionToNext: i + 1 < PIPELINE.length ? rate(reached[PIPELINE[i + 1]], reached[stage]) : null,
    })),
    won: reached.won,
    lost: current.lost,
    current,
    overallConversion: rate(reached.won, leads.length),
  };
}
