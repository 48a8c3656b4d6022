import { isoOrNull } from '../../util/time';
import { delayMinutes, type Sequence } from './schema';
import type { SequenceInfo } from './sequences';

/** One sequence for the admin API: where it comes from, and the whole definition. */
export const presentSequence = (info: SequenceInfo) => ({
  key: info.key,
  source: info.source,
  updatedAt: isoOrNull(info.updatedAt),
  sequence: info.sequence,
});

/** A line of the list: enough to pick one, without every step's content. */
export const presentSequenceSummary = (info: SequenceInfo) => ({
  key: info.key,
  name: info.sequence.name,
  enabled: info.sequence.enabled,
  source: info.source,
  updatedAt: isoOrNull(info.updatedAt),
  triggers: info.sequence.triggers,
  steps: info.sequence.steps.map((s) => ({ id: s.id, action: s.action.type, delayFrom: s.delay.from, delayMinutes: delayMinutes(s.delay) })),
});

/** A sequence a member may enroll a lead in by hand (the mini-program's picker). */
export const presentHandSequence = (sequence: Sequence) => ({
  key: sequence.key,
  name: sequence.name,
  description: sequence.description ?? null,
  stepCount: sequence.steps.length,
});
