import type { EntityManager } from 'typeorm';
import { publishEvents } from '../../events/publish';
import type { DomainEvent } from '../../events/types';
import { enqueueJob, PRIORITY } from '../../jobs/enqueue';
import { Lead, LeadQualification, ScoreItem } from '../lead.entity';
import { LeadActivity } from '../lead-activity.entity';
import { TimelineEntry } from '../timeline-entry.entity';
import { isMysql } from '../../db/data-source';
import { computeScore, ScoreResult, ScoringActivity } from './compute-score';
import type { ScoringRules } from './rules-schema';
import { cstTimeOfDay } from '../../util/china-time';

/** The lead columns scoring reads and writes; batches select only these. */
export const SCORED_LEAD_COLUMNS = [
  'id',
  'name',
  'ownerUserId',
  'attributes',
  'score',
  'grade',
  'qualification',
  'scoreBreakdown',
  'hotAlertedAt',
  'lastInteractionAt',
  'createdAt',
  'captureSignal',
] as const;
export type ScoredLead = Pick<Lead, (typeof SCORED_LEAD_COLUMNS)[number]>;

export interface WriteOptions {
  now: number;
  /**
   * 'alert' (default): a lead crossing the hot threshold alerts its owner. 'suppress': the crossing
   * is recorded (hotAlertedAt) without a message, for a backfill after a rules change.
   */
  hot?: 'alert' | 'suppress';
}

export interface WriteStats {
  changed: number;
  alerts: number;
}

const QUALIFICATION_LABEL: Record<LeadQualification, string> = { none: '未认定', mql: 'MQL（市场认可线索）', sql: 'SQL（销售认可线索）' };
const GRADE_RANK = { A: 3, B: 2, C: 1 } as const;
/** Statements stay well under SQLite's and MySQL's placeholder limits. */
const UPDATE_CHUNK = 200;
const INSERT_CHUNK = 200;

function sameBreakdown(a: readonly ScoreItem[], b: readonly ScoreItem[] | null): boolean {
  if (!b || a.length !== b.length) return false;
  return a.every((item, i) => item.rule === b[i].rule && item.points === b[i].points && item.reason === b[i].reason);
}

/**
 * Loads leads with a lock (MySQL; SQLite has one writer anyway) and their activities in one
 * query, so the last scoring of a lead is always the one that read the most recent state, and a
 * hot crossing is seen by exactly one writer. A lead's activities are its lead_activity rows plus
 * the signal of the capture that created it, kept on the lead row (lead.capture_signal).
 * `lock: false` reads without the lock, for a look that writes nothing (the grade-change preview).
 */
export async function loadForScoring(
  manager: EntityManager,
  filter: { ids?: number[]; afterId?: number; idleBefore?: number; limit?: number; lock?: boolean },
): Promise<{ leads: ScoredLead[]; activities: Map<number, ScoringActivity[]> }> {
  const qb = manager
    .createQueryBuilder(Lead, 'lead')
    .select(SCORED_LEAD_COLUMNS.map((c) => `lead.${c}`))
    .where('lead.merged_into_id IS NULL');
  if (filter.ids) qb.andWhere('lead.id IN (:...ids)', { ids: filter.ids });
  if (filter.afterId !== undefined) qb.andWhere('lead.id > :afterId', { afterId: filter.afterId });
  if (filter.idleBefore !== undefined) {
    qb.andWhere('COALESCE(lead.last_interaction_at, lead.created_at) < :idleBefore', { idleBefore: filter.idleBefore });
  }
  qb.orderBy('lead.id', 'ASC');
  if (filter.limit) qb.limit(filter.limit);
  if (filter.lock !== false && isMysql(manager.connection)) qb.setLock('pessimistic_write');
  const leads = (await qb.getMany()) as ScoredLead[];
  const activities = new Map<number, ScoringActivity[]>(leads.map((l) => [l.id, l.captureSignal ? [l.captureSignal] : []]));
  if (leads.length) {
    const rows = await manager
      .createQueryBuilder(LeadActivity, 'a')
      .select(['a.leadId', 'a.kind', 'a.value', 'a.occurredAt'])
      .where('a.lead_id IN (:...ids)', { ids: leads.map((l) => l.id) })
      .getMany();
    for (const a of rows) activities.get(a.leadId)?.push(a);
  }
  return { leads, activities };
}

/** Computes and writes the scores of loaded leads: see writeScores. */
export async function scoreLoaded(
  manager: EntityManager,
  loaded: { leads: ScoredLead[]; activities: Map<number, ScoringActivity[]> },
  rules: ScoringRules,
  options: WriteOptions,
): Promise<WriteStats> {
  const items = loaded.leads.map((lead) => ({ lead, result: computeScore(lead, loaded.activities.get(lead.id) ?? [], rules, options.now) }));
  return writeScores(manager, items, rules, options);
}

/**
 * Stores new scores in bulk (one UPDATE per chunk, only rows whose score state changed; scoredAt
 * for all), writes a timeline entry when grade or qualification changes, publishes
 * lead.grade_changed when the grade does, and handles the hot threshold: crossing it
 * (hotAlertedAt unset) alerts the owner through a notify_rep job and sets hotAlertedAt; falling
 * below clears it so a later crossing alerts again.
 */
export async function writeScores(
  manager: EntityManager,
  items: Array<{ lead: ScoredLead; result: ScoreResult }>,
  rules: ScoringRules,
  options: WriteOptions,
): Promise<WriteStats> {
  const { now } = options;
  const hot = rules.thresholds.hot;
  const changedRows: Array<{ id: number; result: ScoreResult; hotAlertedAt: number | null }> = [];
  const timeline: Array<Partial<TimelineEntry>> = [];
  const gradeEvents: DomainEvent<'lead.grade_changed'>[] = [];
  let alerts = 0;

  for (const { lead, result } of items) {
    let hotAlertedAt = lead.hotAlertedAt;
    if (result.score >= hot && hotAlertedAt === null) {
      hotAlertedAt = now;
      if (options.hot === 'suppress') {
        // Backfill: the lead is marked as handled without a message.
      } else if (lead.ownerUserId) {
        const top = result.breakdown
          .filter((i) => i.points > 0)
          .sort((a, b) => b.points - a.points)
          .slice(0, 3)
          .map((i) => `${i.reason} +${i.points}`)
          .join('；');
        await enqueueJob(manager, {
          kind: 'notify_rep',
          // One alert per crossing: hotAlertedAt (set in this transaction) stops a re-run from
          // enqueueing again, and the crossing time keys the job.
          dedupKey: `score:${lead.id}:hot:${now}`,
          payload: {
            leadId: lead.id,
            userId: lead.ownerUserId,
            // The Shanghai time ends the text so that each crossing's notice is distinct for
            // WeCom's duplicate-message check.
            content: `【高意向线索】${lead.name || '客户'}（线索 #${lead.id}）评分升至 ${result.score} 分（${result.grade} 级），请尽快跟进。主要加分：${top || '无'}。（${cstTimeOfDay(now)}）`,
            timelineSummary: `评分 ${result.score} 分，达到高意向阈值 ${hot} 分，已提醒负责人 ${lead.ownerUserId}`,
          },
          priority: PRIORITY.notice,
        });
        alerts++;
      } else {
        timeline.push({
          leadId: lead.id,
          kind: 'score.hot',
          summary: `评分 ${result.score} 分，达到高意向阈值 ${hot} 分；线索暂无负责人，未发送提醒`,
          data: { score: result.score, threshold: hot },
          dedupKey: `score:${lead.id}:hot:${now}`,
          occurredAt: now,
        });
      }
    } else if (result.score < hot && hotAlertedAt !== null) {
      hotAlertedAt = null;
    }

    // A first grade of C is the starting point, not news; everything else a rep may want to see.
    if (result.grade !== lead.grade && !(lead.grade === null && result.grade === 'C')) {
      const verb = lead.grade === null ? '评定为' : GRADE_RANK[result.grade] > GRADE_RANK[lead.grade] ? `由 ${lead.grade} 升为` : `由 ${lead.grade} 降为`;
      timeline.push({
        leadId: lead.id,
        kind: 'score.grade_changed',
        summary: `线索等级${verb} ${result.grade}（评分 ${result.score} 分）`,
        data: { from: lead.grade, to: result.grade, score: result.score },
        dedupKey: `score:${lead.id}:grade:${now}`,
        occurredAt: now,
      });
      gradeEvents.push({
        name: 'lead.grade_changed',
        key: `lead.grade_changed:${lead.id}:${now}`,
        occurredAt: now,
        payload: { leadId: lead.id, from: lead.grade, to: result.grade, score: result.score },
      });
    }
    if (result.qualification !== lead.qualification) {
      const threshold = result.qualification === 'sql' ? rules.thresholds.sql : rules.thresholds.mql;
      timeline.push({
        leadId: lead.id,
        kind: 'score.qualified',
        summary: `评分 ${result.score} 分，达到 ${result.qualification.toUpperCase()} 阈值 ${threshold} 分，线索升级为 ${QUALIFICATION_LABEL[result.qualification]}`,
        data: { from: lead.qualification, to: result.qualification, score: result.score },
        dedupKey: `score:${lead.id}:qualification:${now}`,
        occurredAt: now,
      });
    }

    const changed =
      result.score !== lead.score ||
      result.grade !== lead.grade ||
      result.qualification !== lead.qualification ||
      hotAlertedAt !== lead.hotAlertedAt ||
      !sameBreakdown(result.breakdown, lead.scoreBreakdown);
    if (changed) changedRows.push({ id: lead.id, result, hotAlertedAt });
  }

  const table = manager.connection.driver.escape('lead');
  for (let i = 0; i < changedRows.length; i += UPDATE_CHUNK) {
    const chunk = changedRows.slice(i, i + UPDATE_CHUNK);
    const params: unknown[] = [];
    const caseOf = (column: string, value: (row: (typeof chunk)[number]) => unknown) => {
      const arms = chunk.map((row) => {
        params.push(row.id, value(row));
        return 'WHEN ? THEN ?';
      });
      return `${column} = CASE id ${arms.join(' ')} END`;
    };
    const sets = [
      caseOf('score', (r) => r.result.score),
      caseOf('grade', (r) => r.result.grade),
      caseOf('qualification', (r) => r.result.qualification),
      caseOf('score_breakdown', (r) => JSON.stringify(r.result.breakdown)),
      caseOf('hot_alerted_at', (r) => r.hotAlertedAt),
    ];
    params.push(now, ...chunk.map((r) => r.id));
    await manager.query(
      `UPDATE ${table} SET ${sets.join(', ')}, scored_at = ? WHERE id IN (${chunk.map(() => '?').join(', ')})`,
      params,
    );
  }
  const changedIds = new Set(changedRows.map((r) => r.id));
  const unchanged = items.map((i) => i.lead.id).filter((id) => !changedIds.has(id));
  for (let i = 0; i < unchanged.length; i += 1000) {
    const chunk = unchanged.slice(i, i + 1000);
    await manager.query(`UPDATE ${table} SET scored_at = ? WHERE id IN (${chunk.map(() => '?').join(', ')})`, [now, ...chunk]);
  }
  for (let i = 0; i < timeline.length; i += INSERT_CHUNK) {
    await manager.createQueryBuilder().insert().into(TimelineEntry).values(timeline.slice(i, i + INSERT_CHUNK) as never).orIgnore().execute();
  }
  // Published together like the timeline entries: one INSERT per chunk (none when no subscriber
  // wants a grade: nurture's score_band triggers), keyed like the timeline entry, so a re-run
  // publishes nothing twice. Chunked because a rescore batch has no upper size, and one job row
  // is ten placeholders.
  for (let i = 0; i < gradeEvents.length; i += INSERT_CHUNK) await publishEvents(manager, gradeEvents.slice(i, i + INSERT_CHUNK));
  return { changed: changedRows.length, alerts };
}
