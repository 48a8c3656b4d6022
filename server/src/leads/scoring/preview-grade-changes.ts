import type { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor } from '../../http/cursor';
import { Lead, type LeadGrade } from '../lead.entity';
import { computeScore } from './compute-score';
import { loadScoringRules } from './rules';
import type { ScoringRules } from './rules-schema';
import { loadForScoring } from './write-scores';

/** Cursor tag: the id of the last lead a page of the preview looked at. */
const CURSOR = 'g';
/** Leads per statement: two statements (leads, their activities) per batch. */
const BATCH = 500;

export interface GradeChangePage {
  /** Leads this page looked at. */
  scanned: number;
  /** Unmerged leads in all, counted on the first page only (null on the others). */
  total: number | null;
  /** Of those scanned, how many would get another grade. */
  changed: number;
  /** By from → to, only pairs that occur, most first. */
  changes: Array<{ from: LeadGrade; to: LeadGrade; count: number }>;
  /** Where the next page starts; null when every lead has been looked at. */
  nextCursor: string | null;
}

/**
 * How many current leads a proposed rule set would move to another grade, one page at a time
 * (at most `limit` leads, read in batches of 500 without locks, nothing written), so a big table
 * costs many short requests instead of one long one and the caller can show progress.
 *
 * Each lead's grade under the rules in force and under the proposed rules are both computed at
 * the same `now`: the count is the rules' difference alone, not the decay a stored grade may be
 * waiting for since the lead was last scored.
 */
export async function previewGradeChanges(
  dataSource: DataSource,
  proposed: ScoringRules,
  options: { cursor?: string; limit: number; now: number },
): Promise<GradeChangePage> {
  let afterId = options.cursor ? decodeCursor(CURSOR, options.cursor, 1)[0] : 0;
  const total = options.cursor ? null : await dataSource.getRepository(Lead).createQueryBuilder('lead').where('lead.merged_into_id IS NULL').getCount();
  const current = await loadScoringRules(dataSource);
  const counts = new Map<string, number>();
  let scanned = 0;
  let more = true;
  while (scanned < options.limit) {
    const take = Math.min(BATCH, options.limit - scanned);
    const { leads, activities } = await loadForScoring(dataSource.manager, { afterId, limit: take, lock: false });
    for (const lead of leads) {
      const acts = activities.get(lead.id) ?? [];
      const from = computeScore(lead, acts, current, options.now).grade;
      const to = computeScore(lead, acts, proposed, options.now).grade;
      if (from !== to) counts.set(`${from}${to}`, (counts.get(`${from}${to}`) ?? 0) + 1);
    }
    scanned += leads.length;
    if (leads.length) afterId = leads[leads.length - 1].id;
    if (leads.length < take) {
      more = false;
      break;
    }
  }
  // A page that ended exactly at the limit may have been the last: the next one then finds nothing.
  const changes = [...counts.entries()]
    .map(([pair, count]) => ({ from: pair[0] as LeadGrade, to: pair[1] as LeadGrade, count }))
    .sort((a, b) => b.count - a.count || `${a.from}${a.to}`.localeCompare(`${b.from}${b.to}`));
  return {
    scanned,
    total,
    changed: changes.reduce((n, c) => n + c.count, 0),
    changes,
    nextCursor: more && scanned > 0 ? encodeCursor(CURSOR, [afterId]) : null,
  };
}
