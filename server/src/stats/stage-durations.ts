import type { AppContext } from '../context';
import type { LeadStage } from '../leads/lead.entity';
import { CohortFilter, loadCohort, secondsSummary } from './cohort';
import { presentRange, type StatsRange } from './range';

/** Stages that can be left; won is final, so it has no duration. */
const TIMED_STAGES: readonly LeadStage[] = ['new', 'contacted', 'qualified', 'opportunity', 'lost'];

/** Time spent in each stage by the leads created in the range, from their stage history. */
export async function stageDurationStats(ctx: AppContext, range: StatsRange, filter: CohortFilter = {}) {
  const leads = await loadCohort(ctx, range, filter);
  const visits = new Map<LeadStage, number[]>(TIMED_STAGES.map((s) => [s, []]));
  for (const lead of leads) {
    let enteredAt = lead.createdAt;
    for (const step of lead.history) {
      visits.get(step.from)?.push(Math.max(0, step.at - enteredAt) / 1000);
      enteredAt = step.at;
    }
  }
  return {
    ...presentRange(range),
    leads: leads.length,
    items: TIMED_STAGES.map((stage) => {
      const { count, avgSeconds, medianSeconds } = secondsSummary(visits.get(stage)!);
      return { stage, visits: count, avgSeconds, medianSeconds };
    }),
  };
}
