import type { EntityManager } from 'typeorm';
import { computeScore, ScoreResult } from './compute-score';
import { recentScoringRules } from './rules';

/**
 * The first score of a lead being created, from what the capture knows (its attributes and the
 * one behaviour signal that brought it), so the INSERT carries it: no re-score job, no re-read,
 * no extra UPDATE. Null when the score is news — a grade above C, a qualification, the hot
 * threshold — which the re-score job announces on the timeline (and to the owner) as for any
 * later event.
 */
export async function scoreNewLead(
  manager: EntityManager,
  lead: { attributes: Record<string, string | number | boolean> | null; createdAt: number },
  activity: { kind: string; value?: string | null; occurredAt: number } | null,
  now: number,
): Promise<ScoreResult | null> {
  const rules = await recentScoringRules(manager);
  const result = computeScore(
    { attributes: lead.attributes, qualification: 'none', lastInteractionAt: lead.createdAt, createdAt: lead.createdAt },
    activity ? [{ kind: activity.kind, value: activity.value ?? null, occurredAt: activity.occurredAt }] : [],
    rules,
    now,
  );
  const news = result.grade !== 'C' || result.qualification !== 'none' || result.score >= rules.thresholds.hot;
  return news ? null : result;
}
