import { isoOrNull } from '../../util/time';
import type { NurtureEnrollment } from './enrollment.entity';

export function presentEnrollment(e: NurtureEnrollment) {
  return {
    id: e.id,
    leadId: e.leadId,
    sequenceKey: e.sequenceKey,
    status: e.status,
    reason: e.reason,
    reasonDetail: e.reasonDetail,
    enrolledAt: isoOrNull(e.enrolledAt),
    exitedAt: isoOrNull(e.exitedAt),
    exitReason: e.exitReason,
    nextStepIndex: e.nextStepIndex,
    nextDueAt: isoOrNull(e.nextDueAt),
  };
}
