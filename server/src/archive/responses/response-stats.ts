import type { DataSource, EntityManager } from 'typeorm';
import { secondsSummary } from '../../stats/cohort';

export interface ChatResponseSummary {
  /** Answers to a waiting customer in the period. */
  count: number;
  avgSeconds: number | null;
  medianSeconds: number | null;
  /** The rep's first answers to a lead, among them. */
  firstAvgSeconds: number | null;
}

/**
 * Rep response times in chat over a period (replies in [start, end)), from the chat archive's
 * chat_response rows: per rep, how long customers waited for an answer, on average and median,
 * and for first answers alone. `userIds` limits it to some reps (a manager's team).
 */
export async function chatResponseStats(db: DataSource | EntityManager, range: { start: number; end: number }, userIds?: readonly string[]): Promise<Map<string, ChatResponseSummary>> {
  const byRep = new Map<string, { all: number[]; first: number[] }>();
  if (userIds && userIds.length === 0) return new Map();
  const qb = db
    .createQueryBuilder()
    .select(['r.user_id AS user_id', 'r.response_ms AS response_ms', 'r.first AS first'])
    .from('chat_response', 'r')
    .where('r.replied_at >= :start AND r.replied_at < :end', range);
  if (userIds) qb.andWhere('r.user_id IN (:...userIds)', { userIds });
  const rows: Array<{ user_id: string; response_ms: number | string; first: number | boolean | string }> = await qb.getRawMany();
  for (const row of rows) {
    const entry = byRep.get(row.user_id) ?? { all: [], first: [] };
    const seconds = Number(row.response_ms) / 1000;
    entry.all.push(seconds);
    if (Number(row.first) === 1 || row.first === true) entry.first.push(seconds);
    byRep.set(row.user_id, entry);
  }
  return new Map(
    [...byRep].map(([userId, { all, first }]) => {
      const summary = secondsSummary(all);
      return [userId, { count: summary.count, avgSeconds: summary.avgSeconds, medianSeconds: summary.medianSeconds, firstAvgSeconds: secondsSummary(first).avgSeconds }];
    }),
  );
}

export const NO_CHAT_RESPONSES: ChatResponseSummary = { count: 0, avgSeconds: null, medianSeconds: null, firstAvgSeconds: null };
