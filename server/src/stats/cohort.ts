import type { AppContext } from '../context';
import type { LeadStage } from '../leads/lead.entity';
import { PIPELINE } from '../leads/stages/transitions';
import type { StatsRange } from './range';

/**
 * Lead stats: definitions (the admin API and README quote these).
 *
 * - Cohort: leads created in [from 00:00, to 24:00) Asia/Shanghai (UTC+8), leads merged into
 *   another lead excluded; optionally only one channel or one owner. Every stat is about the
 *   cohort, except follow-up counts per rep, which count follow-ups logged in the range.
 * - Stage history: the `stage.changed` timeline entries, data {from, to, at}, oldest first.
 * - Reached a stage: the lead's furthest point on new → contacted → qualified → opportunity → won,
 *   from its current stage and every from/to in its history, counts as reaching that stage and
 *   all before it (a lead that is now lost after being an opportunity reached new…opportunity).
 *   Every lead reached `new`. `lost` is off the path and counted separately: leads now lost.
 * - Conversion stage → next: reached(next) / reached(stage); overall: won / leads (reached won
 *   = won, since won is final). Rates are shares in [0, 1] rounded to 4 decimals, null on 0 / 0.
 * - Channel: the lead's first attributed channel; no channel = 'organic'.
 * - Rep: the lead's current owner. Response time = firstResponseAt − createdAt (first follow-up
 *   or reply), over the rep's cohort leads that have one; avg and median in whole seconds.
 * - Stage duration: one visit of a stage lasts from entering it (the lead's creation for the
 *   first stage, else the change into it) to the change out of it. The stage a lead is in now is
 *   still open and not counted; won never ends. A lead reopened (lost → contacted) visits
 *   contacted twice: two visits. Avg and median per stage in whole seconds.
 */
export interface CohortFilter {
  channelId?: number;
  ownerUserId?: string;
  /** Only leads owned by one of these members (a manager's teams); empty = no leads. */
  ownerUserIds?: readonly string[];
}

export interface StageStep {
  from: LeadStage;
  to: LeadStage;
  at: number;
}

export interface CohortLead {
  id: number;
  channelId: number | null;
  ownerUserId: string | null;
  stage: LeadStage;
  createdAt: number;
  firstResponseAt: number | null;
  /** stage.changed history, oldest first. */
  history: StageStep[];
}

// `lead` is quoted: LEAD is a reserved word on MySQL 8 (a window function); SQLite accepts backticks too.
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function where(range: StatsRange, filter: CohortFilter, alias: string) {
  const clauses = [`${alias}.created_at >= ?`, `${alias}.created_at < ?`, `${alias}.merged_into_id IS NULL`];
  const params: unknown[] = [range.start, range.end];
  if (filter.channelId !== undefined) {
    clauses.push(`${alias}.channel_id = ?`);
    params.push(filter.channelId);
  }
  if (filter.ownerUserId !== undefined) {
    clauses.push(`${alias}.owner_user_id = ?`);
    params.push(filter.ownerUserId);
  }
  if (filter.ownerUserIds !== undefined) {
    clauses.push(filter.ownerUserIds.length ? `${alias}.owner_user_id IN (${filter.ownerUserIds.map(() => '?').join(', ')})` : '1 = 0');
    params.push(...filter.ownerUserIds);
  }
  return { sql: clauses.join(' AND '), params };
}

/** Leads created in the range (merged-away duplicates excluded), each with its stage history. */
export async function loadCohort(ctx: AppContext, range: StatsRange, filter: CohortFilter = {}): Promise<CohortLead[]> {
  const w = where(range, filter, 'l');
  const [leads, steps] = await Promise.all([
    ctx.dataSource.query(
      `SELECT l.id, l.channel_id, l.owner_user_id, l.stage, l.created_at, l.first_response_at FROM \`lead\` l WHERE ${w.sql} ORDER BY l.id`,
      w.params,
    ) as Promise<Array<Record<string, unknown>>>,
    ctx.dataSource.query(
      `SELECT t.lead_id, t.data, t.occurred_at FROM timeline_entry t INNER JOIN \`lead\` l ON l.id = t.lead_id
       WHERE t.kind = 'stage.changed' AND ${w.sql} ORDER BY t.lead_id, t.occurred_at, t.id`,
      w.params,
    ) as Promise<Array<{ lead_id: unknown; data: string | null; occurred_at: unknown }>>,
  ]);
  const byId = new Map<number, CohortLead>();
  for (const r of leads) {
    byId.set(Number(r.id), {
      id: Number(r.id),
      channelId: num(r.channel_id),
      ownerUserId: (r.owner_user_id as string | null) ?? null,
      stage: r.stage as LeadStage,
      createdAt: Number(r.created_at),
      firstResponseAt: num(r.first_response_at),
      history: [],
    });
  }
  for (const s of steps) {
    const lead = byId.get(Number(s.lead_id));
    const data = s.data ? (JSON.parse(s.data) as Partial<StageStep>) : null;
    if (!lead || !data?.from || !data.to) continue;
    lead.history.push({ from: data.from, to: data.to, at: typeof data.at === 'number' ? data.at : Number(s.occurred_at) });
  }
  for (const lead of byId.values()) lead.history.sort((a, b) => a.at - b.at);
  return [...byId.values()];
}

const rank = (stage: LeadStage) => PIPELINE.indexOf(stage);

/** How far along new → won the lead ever got: its current stage or any stage in its history. */
export function furthestRank(lead: CohortLead): number {
  let best = Math.max(0, rank(lead.stage));
  for (const step of lead.history) best = Math.max(best, rank(step.from), rank(step.to));
  return best;
}

/** reached[stage] = leads whose furthest stage is that stage or beyond. */
export function reachedCounts(leads: CohortLead[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(PIPELINE.map((s) => [s, 0]));
  for (const lead of leads) {
    const furthest = furthestRank(lead);
    for (let i = 0; i <= furthest; i++) counts[PIPELINE[i]]++;
  }
  return counts;
}

/** A share rounded to 4 decimals; null when there is nothing to divide by. */
export const rate = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null);

/** Average and median of seconds, rounded to whole seconds; nulls for an empty list. */
export function secondsSummary(values: number[]) {
  if (values.length === 0) return { count: 0, avgSeconds: null, medianSeconds: null };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const avg = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { count: sorted.length, avgSeconds: Math.round(avg), medianSeconds: Math.round(median) };
}
