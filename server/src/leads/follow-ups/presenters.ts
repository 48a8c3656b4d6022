import type { FollowUp } from '../follow-up.entity';

const iso = (ms: number | null) => (ms ? new Date(ms).toISOString() : null);

export function presentFollowUp(f: FollowUp) {
  return {
    id: f.id,
    leadId: f.leadId,
    userId: f.userId,
    kind: f.kind,
    outcome: f.outcome,
    content: f.content,
    nextStepAt: iso(f.nextStepAt),
    nextStepNote: f.nextStepNote,
    reminderStatus: f.reminderStatus,
    createdAt: iso(f.createdAt),
  };
}
