import type { FollowUp } from '../follow-up.entity';
import { isoOrNull } from '../../util/time';

export function presentFollowUp(f: FollowUp) {
  return {
    id: f.id,
    leadId: f.leadId,
    userId: f.userId,
    kind: f.kind,
    outcome: f.outcome,
    content: f.content,
    nextStepAt: isoOrNull(f.nextStepAt),
    nextStepNote: f.nextStepNote,
    reminderStatus: f.reminderStatus,
    createdAt: isoOrNull(f.createdAt),
  };
}
