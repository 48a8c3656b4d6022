import type { AppContext } from '../context';
import { isMysql } from '../db/data-source';
import { presentRange, type StatsRange } from '../stats/range';
import { CST_OFFSET_MS, dateOfCstDayNumber } from '../util/china-time';
import { DAY_MS } from '../util/time';

/**
 * Counts per Shanghai day (cstDayNumber), the business day of the reps. `owners` narrows the
 * count to leads owned by those members (a manager's teams, policies/stats.ts); `leadColumn` is
 * how a row names its lead (`id` in the lead table, `lead_id` in lead_relation).
 */
async function countByDay(
  ctx: AppContext,
  sql: { table: string; column: string; where: string; leadColumn: string },
  channelId: number,
  range: StatsRange,
  owners?: readonly string[],
) {
  const dayExpr = isMysql(ctx.dataSource)
    ? `(${sql.column} + ${CST_OFFSET_MS}) DIV ${DAY_MS}`
    : `(${sql.column} + ${CST_OFFSET_MS}) / ${DAY_MS}`;
  const params: unknown[] = [channelId];
  let where = `channel_id = ? AND ${sql.column} IS NOT NULL ${sql.where}`;
  // Always bounded: the range is what keeps a busy channel's scan small.
  where += ` AND ${sql.column} >= ? AND ${sql.column} < ?`;
  params.push(range.start, range.end);
  if (owners) {
    where += owners.length
      ? ` AND ${sql.leadColumn} IN (SELECT o.id FROM \`lead\` o WHERE o.owner_user_id IN (${owners.map(() => '?').join(', ')}))`
      : ' AND 1 = 0';
    params.push(...owners);
  }
  const rows: Array<{ day: number | string; n: number | string }> = await ctx.dataSource.query(
    `SELECT ${dayExpr} AS day, COUNT(*) AS n FROM ${sql.table} WHERE ${where} GROUP BY ${dayExpr}`,
    params,
  );
  return new Map(rows.map((r) => [Number(r.day), Number(r.n)]));
}

/**
 * Adds (relations made through the channel), leads first attributed to it, and deletions, per
 * day. With `owners`, only those of leads the members own (what a manager may see).
 */
export async function channelStats(ctx: AppContext, channelId: number, range: StatsRange, owners?: readonly string[]) {
  const [adds, leads, deletions] = await Promise.all([
    countByDay(ctx, { table: 'lead_relation', column: 'added_at', where: '', leadColumn: 'lead_id' }, channelId, range, owners),
    countByDay(ctx, { table: '`lead`', column: 'created_at', where: 'AND merged_into_id IS NULL', leadColumn: 'id' }, channelId, range, owners),
    countByDay(ctx, { table: 'lead_relation', column: 'lost_at', where: `AND status = 'lost'`, leadColumn: 'lead_id' }, channelId, range, owners),
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
