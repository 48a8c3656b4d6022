import type { LeadGrade, LeadStage } from '../../leads/lead.entity';
import type { ChannelRef, SequenceCondition } from '../sequences/schema';

/** What a step's condition looks at, read once per batch of due steps. */
export interface ConditionFacts {
  tags: ReadonlySet<string>;
  grade: LeadGrade | null;
  stage: LeadStage;
  channelId: number | null;
}

/** Channel refs by `state` resolved to ids (a state no channel has matches nothing). */
export type ChannelIdsByState = ReadonlyMap<string, number>;

const refMatches = (ref: ChannelRef, channelId: number | null, byState: ChannelIdsByState) =>
  channelId !== null && ('id' in ref ? ref.id === channelId : byState.get(ref.state) === channelId);

/** Every part given must hold; no condition holds always. Pure. */
export function conditionHolds(condition: SequenceCondition | undefined, facts: ConditionFacts, byState: ChannelIdsByState): boolean {
  if (!condition) return true;
  if (condition.tagsAll && !condition.tagsAll.every((t) => facts.tags.has(t))) return false;
  if (condition.tagsAny && !condition.tagsAny.some((t) => facts.tags.has(t))) return false;
  if (condition.tagsNone && condition.tagsNone.some((t) => facts.tags.has(t))) return false;
  if (condition.grades && (facts.grade === null || !condition.grades.includes(facts.grade))) return false;
  if (condition.stages && !condition.stages.includes(facts.stage)) return false;
  if (condition.channels && !condition.channels.some((ref) => refMatches(ref, facts.channelId, byState))) return false;
  return true;
}

/** The channel states the conditions of these steps name, to resolve in one query. */
export function statesNamed(conditions: Array<SequenceCondition | undefined>): string[] {
  const states = new Set<string>();
  for (const c of conditions) for (const ref of c?.channels ?? []) if ('state' in ref) states.add(ref.state);
  return [...states];
}
