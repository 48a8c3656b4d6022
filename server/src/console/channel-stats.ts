import { channelStats } from '../channels/stats';
import type { AppContext } from '../context';
import type { StatsScope } from '../policies/stats';
import { loadCohort, rate, reachedCounts } from '../stats/cohort';
import type { StatsRange } from '../stats/range';
import { cstDayNumber, dateOfCstDayNumber } from '../util/china-time';

/**
 * One channel over time, for the console's chart: per Shanghai day of the range, the adds, new
 * leads and deletions of the admin API's channel stats (channels/stats.ts), and the conversion of
 * each day's new leads — how many of them were won by now (stats/cohort.ts's definition: reached
 * won), over how many there were. Every day of the range is listed, zeros included, so the chart
 * has a continuous time axis. A manager's numbers cover their teams' leads only (the stats policy).
 */
export async function consoleChannelStats(ctx: AppContext, channelId: number, scope: StatsScope, range: StatsRange) {
  const owners = scope.all ? undefined : scope.owners;
  const [base, cohort] = await Promise.all([
    channelStats(ctx, channelId, range, owners),
    loadCohort(ctx, range, { channelId, ...(owners ? { ownerUserIds: owners } : {}) }),
  ]);
  const cohortByDay = new Map<number, typeof cohort>();
  for (const lead of cohort) {
    const day = cstDayNumber(lead.createdAt);
    cohortByDay.set(day, [...(cohortByDay.get(day) ?? []), lead]);
  }
  const counted = new Map(base.byDay.map((d) => [d.date, d]));
  const byDay = [];
  for (let day = cstDayNumber(range.start); day < cstDayNumber(range.end); day++) {
    const date = dateOfCstDayNumber(day);
    const leads = cohortByDay.get(day) ?? [];
    const won = leads.length ? reachedCounts(leads).won : 0;
    const c = counted.get(date);
    byDay.push({ date, adds: c?.adds ?? 0, leads: c?.leads ?? 0, deletions: c?.deletions ?? 0, won, conversionRate: rate(won, leads.length) });
  }
  const won = cohort.length ? reachedCounts(cohort).won : 0;
  return {
    channelId,
    from: base.from,
    to: base.to,
    timezone: base.timezone,
    totals: { ...base.totals, won, conversionRate: rate(won, cohort.length) },
    byDay,
  };
}
