import type { Lead, LeadGrade, LeadQualification, ScoreItem } from '../lead.entity';
import type { LeadActivity } from '../lead-activity.entity';
import type { AttributeRule, BehaviourRule, ScoringRules, ScoringThresholds } from './rules-schema';
import { DAY_MS } from '../../util/time';

export type ScoringLead = Pick<Lead, 'attributes' | 'qualification' | 'lastInteractionAt' | 'createdAt'>;
export type ScoringActivity = Pick<LeadActivity, 'kind' | 'value' | 'occurredAt'>;

export interface ScoreResult {
  /** 0..100, always equal to the sum of the breakdown's points. */
  score: number;
  breakdown: ScoreItem[];
  grade: LeadGrade;
  qualification: LeadQualification;
}

const QUALIFICATION_RANK: Record<LeadQualification, number> = { none: 0, mql: 1, sql: 2 };

const text = (v: unknown) => String(v).trim().toLowerCase();

function attributeMatches(rule: AttributeRule, value: unknown): boolean {
  if (value === null || value === undefined || value === '') return false;
  if (rule.values) return rule.values.some((v) => text(v) === text(value));
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isFinite(n)) return false;
  return (rule.min === undefined || n >= rule.min) && (rule.max === undefined || n < rule.max);
}

function behaviourMatches(rule: BehaviourRule, value: string | null): boolean {
  if (!rule.values) return true;
  if (value === null) return false;
  const v = text(value);
  return rule.values.some((candidate) => {
    const c = text(candidate);
    return rule.match === 'prefix' ? v.startsWith(c) : rule.match === 'contains' ? v.includes(c) : v === c;
  });
}

export function gradeFor(score: number, t: ScoringThresholds): LeadGrade {
  return score >= t.gradeA ? 'A' : score >= t.gradeB ? 'B' : 'C';
}

/** Qualification only moves up on its own (none → mql → sql); demoting a lead is a person's decision. */
export function qualificationFor(score: number, current: LeadQualification, t: ScoringThresholds): LeadQualification {
  const reached: LeadQualification = score >= t.sql ? 'sql' : score >= t.mql ? 'mql' : 'none';
  return QUALIFICATION_RANK[reached] > QUALIFICATION_RANK[current] ? reached : current;
}

/** How much of the behaviour points is left after `idleMs` without interaction (1 = all). */
export function decayMultiplier(idleMs: number, decay: ScoringRules['decay']): number {
  const idleDays = idleMs / DAY_MS;
  if (decay.factor >= 1 || idleDays <= decay.afterDays) return 1;
  const steps = Math.floor((idleDays - decay.afterDays) / decay.everyDays) + 1;
  return decay.factor ** steps;
}

/** The activity kind of an explicit score change; its value is `<points>|<reason>`. */
export const SCORE_ADJUSTMENT_KIND = 'score_adjustment';

export const scoreAdjustmentValue = (points: number, reason: string) => `${points}|${reason}`;

function parseScoreAdjustment(value: string | null): { points: number; reason: string } | null {
  const match = value ? /^(-?\d{1,3})\|(.*)$/s.exec(value) : null;
  return match ? { points: Number(match[1]), reason: match[2] } : null;
}

/**
 * The lead's score at `now` under `rules`, with the reason for every point. Pure: the same lead,
 * activities, rules and time give the same result (tests pass `now` to see decay without waiting).
 */
export function computeScore(lead: ScoringLead, activities: readonly ScoringActivity[], rules: ScoringRules, now: number): ScoreResult {
  const breakdown: ScoreItem[] = [];
  const attributes = lead.attributes ?? {};
  for (const rule of rules.attributes) {
    if (attributeMatches(rule, attributes[rule.field])) breakdown.push({ rule: rule.id, points: rule.points, reason: rule.reason });
  }

  const byKind = new Map<string, ScoringActivity[]>();
  let lastInteraction = lead.lastInteractionAt ?? lead.createdAt;
  for (const a of activities) {
    let list = byKind.get(a.kind);
    if (!list) byKind.set(a.kind, (list = []));
    list.push(a);
    // A score adjustment is ours, not the customer's: it does not reset the decay clock.
    if (a.occurredAt > lastInteraction && a.kind !== SCORE_ADJUSTMENT_KIND) lastInteraction = a.occurredAt;
  }

  // Explicit adjustments (a nurture step's change_score) count as given: no rule, no cap, no decay.
  for (const a of byKind.get(SCORE_ADJUSTMENT_KIND) ?? []) {
    const adjustment = parseScoreAdjustment(a.value);
    if (adjustment) breakdown.push({ rule: 'adjustment', points: adjustment.points, reason: adjustment.reason });
  }

  let behaviour = 0;
  for (const rule of rules.behaviours) {
    let count = 0;
    for (const a of byKind.get(rule.kind) ?? []) if (behaviourMatches(rule, a.value)) count++;
    if (count === 0) continue;
    let points = count * rule.points;
    let reason = count > 1 ? `${rule.reason} ×${count}` : rule.reason;
    if (rule.cap !== undefined && Math.abs(points) > rule.cap) {
      points = Math.sign(points) * rule.cap;
      reason += `（封顶 ${rule.cap} 分）`;
    }
    breakdown.push({ rule: rule.id, points, reason });
    behaviour += points;
  }

  // Only a positive behaviour total fades: a quiet lead must not climb back by forgetting a "not interested".
  if (behaviour > 0) {
    const multiplier = decayMultiplier(now - lastInteraction, rules.decay);
    const faded = Math.round(behaviour * (1 - multiplier));
    if (faded > 0) {
      const idleDays = Math.floor((now - lastInteraction) / DAY_MS);
      breakdown.push({ rule: 'decay', points: -faded, reason: `${idleDays} 天无互动，行为分衰减至 ${Math.round(multiplier * 100)}%` });
    }
  }

  const total = breakdown.reduce((sum, item) => sum + item.points, 0);
  const score = Math.min(100, Math.max(0, total));
  if (score !== total) {
    breakdown.push({ rule: 'clamp', points: score - total, reason: total > 100 ? '总分上限 100 分' : '总分最低 0 分' });
  }
  return {
    score,
    breakdown,
    grade: gradeFor(score, rules.thresholds),
    qualification: qualificationFor(score, lead.qualification ?? 'none', rules.thresholds),
  };
}
