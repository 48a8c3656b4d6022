import type { AppContext } from '../context';
import { Lead } from '../leads/lead.entity';
import { recentScoringRules } from '../leads/scoring/rules';
import type { StatsScope } from '../policies/stats';
import { teamStats } from '../stats/team-stats';
import type { StatsRange } from '../stats/range';
import { cstDayNumber, cstDayStartAt, dateOfCstDayNumber } from '../util/china-time';
import { DAY_MS } from '../util/time';

/** Hot leads without a follow-up, shown at most: the top by score. */
const HOT_LIST = 10;

/**
 * The console's dashboard over the leads the actor may see (a manager: their teams'; an admin:
 * all): the stats page's funnel, channel conversion and response times over the range, new leads
 * per Shanghai day of the range, today's and this week's (Monday first) counts, and the hot leads
 * nobody has followed up yet.
 */
export async function dashboard(ctx: AppContext, scope: StatsScope, range: StatsRange, now: number) {
  const stats = await teamStats(ctx, scope, range);
  const scoped = () => {
    const qb = ctx.dataSource.getRepository(Lead).createQueryBuilder('l').where('l.merged_into_id IS NULL');
    if (!scope.all) qb.andWhere(scope.owners.length ? 'l.owner_user_id IN (:...owners)' : '1 = 0', { owners: scope.owners });
    return qb;
  };
  const today = cstDayStartAt(now);
  const weekStart = today - ((new Date(today + 8 * 3_600_000).getUTCDay() + 6) % 7) * DAY_MS;
  const since = Math.min(range.start, weekStart);
  const created = await scoped()
    .select('l.created_at', 'createdAt')
    .andWhere('l.created_at >= :since AND l.created_at < :until', { since, until: Math.max(range.end, today + DAY_MS) })
    .getRawMany<{ createdAt: number | string }>();
  const perDay = new Map<number, number>();
  for (const row of created) {
    const day = cstDayNumber(Number(row.createdAt));
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }
  const addsByDay: Array<{ date: string; count: number }> = [];
  for (let day = cstDayNumber(range.start); day < cstDayNumber(range.end); day++) addsByDay.push({ date: dateOfCstDayNumber(day), count: perDay.get(day) ?? 0 });
  const countSince = (start: number) => created.filter((r) => Number(r.createdAt) >= start).length;

  const hot = (await recentScoringRules(ctx.dataSource)).thresholds.hot;
  const hotLeads = await scoped()
    .select(['l.id', 'l.name', 'l.score', 'l.grade', 'l.ownerUserId', 'l.stage', 'l.createdAt'])
    .andWhere('l.score >= :hot AND l.last_follow_up_at IS NULL', { hot })
    .andWhere("l.stage NOT IN ('won', 'lost')")
    .orderBy('l.score', 'DESC')
    .addOrderBy('l.id', 'DESC')
    .limit(HOT_LIST)
    .getMany();
  return {
    ...stats,
    adds: { today: countSince(today), thisWeek: countSince(weekStart), byDay: addsByDay },
    hotWithoutFollowUp: {
      threshold: hot,
      leads: hotLeads.map((l) => ({ id: l.id, name: l.name, score: l.score, grade: l.grade, ownerUserId: l.ownerUserId, stage: l.stage, createdAt: new Date(l.createdAt).toISOString() })),
    },
  };
}
