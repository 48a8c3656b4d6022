import type { AppContext } from '../context';
import { isMysql } from '../db/data-source';
import { presentRange, type StatsRange } from '../stats/range';
import { CST_OFFSET_MS, dateOfCstDayNumber } from '../util/china-time';
import { DAY_MS } from '../util/time';

/** Counts per Shanghai day (cstDayNumber), the business day of the reps. */
async function countByDay(ctx: AppContext, sql: { table: string; column: string; where: string }, channelId: number, range: StatsRange) {
  const dayExpr = isMysql(ctx.dataSource)
    ? `(${sql.column} + ${CST_OFFSET_MS}) DIV ${DAY_MS}`
    : `(${sql.column} + ${CST_OFFSET_MS}) / ${DAY_MS}`;
  const params: unknown[] = [channelId];
  let where = `channel_id = ? AND ${sql.column} IS NOT NULL ${sql.where}`;
  // Always bounded: the range is what keeps a busy channel's scan small.
  where += ` AND ${sql.column} >= ? AND ${sql.column} < ?`;
  params.push(range.start, range.end);
  const rows: Array<{ day: number | string; n: number | string }> = await ctx.dataSource.query(
    `SELECT ${dayExpr} AS day, COUNT(*) AS n FROM ${sql.table} WHERE ${where} GROUP BY ${dayExpr}`,
    params,
  );
  return new Map(rows.map((r) => [Number(r.day), Number(r.n)]));
}

/** Adds (relations made through the channel), leads first attributed to it, and deletions, per day. */
export async function channelStats(ctx: AppContext, channelId: number, range: StatsRange) {
  const [adds, leads, deletions] = await Promise.all([
    countByDay(ctx, { table: 'lead_relation', column: 'added_at', where: '' }, channelId, range),
    countByDay(ctx, { table: '`lead`', column: 'created_at', where: 'AND merged_into_id IS NULL' }, channelId, range),
    countByDay(ctx, { table: 'lead_relation', column: 'lost_at', where: `AND status = 'lost'` }, channelId, range),
  ]);
  const days = [...new Set([...adds.keys(), ...leads.keys(), ...deletions.keys()])].sort((a, b) => a - b);
  const sum = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  return {
    channelId,
    ...presentRange(range),
    totals: { adds: sum(adds), leads: sum(leads), deletions: sum(deletions) },
    byDay: days.map((day) => ({
      date: dateOfCstDayNumber(day),
      adds: adds.get(day) ?? 0,
      leads: leads.get(day) ?? 0,
      deletions: deletions.get(day) ?? 0,
    })),
  };
}
