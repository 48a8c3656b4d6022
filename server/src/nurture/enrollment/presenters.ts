import { isoOrNull } from '../../util/time';
import type { Sequence } from '../sequences/schema';
import type { EnrollmentStatus, NurtureEnrollment } from './enrollment.entity';
import { enrollReasonText, reasonOfRow, storedExitReasonText } from './reasons';

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

export const ENROLLMENT_STATUS_LABELS: Readonly<Record<EnrollmentStatus, string>> = {
  active: '培育中',
  exited: '已退出',
  completed: '已完成',
};

/**
 * One enrollment as reps read it on a lead (the mini-program): the sequence by name, texts in
 * Chinese for the status and reasons, and the step that comes next while it is active.
 * `sequence` is the sequence in force (undefined when no longer defined); `byName` the name of
 * the member who enrolled it by hand.
 */
export function presentLeadEnrollment(e: NurtureEnrollment, sequence: Sequence | undefined, byName?: string | null) {
  const reason = reasonOfRow(e, byName);
  const next = e.status === 'active' ? sequence?.steps[e.nextStepIndex] : undefined;
  return {
    id: e.id,
    sequenceKey: e.sequenceKey,
    sequenceName: sequence?.name ?? e.sequenceKey,
    status: e.status,
    statusLabel: ENROLLMENT_STATUS_LABELS[e.status] ?? e.status,
    reason: e.reason,
    reasonText: reason ? enrollReasonText(reason) : '自动加入',
    enrolledAt: isoOrNull(e.enrolledAt),
    exitedAt: isoOrNull(e.exitedAt),
    exitReason: e.exitReason,
    exitReasonText: storedExitReasonText(e.exitReason),
    stepCount: sequence?.steps.length ?? null,
    /** 0-based, as the scheduler counts; null once not active (or past the sequence's last step). */
    nextStepIndex: next ? e.nextStepIndex : null,
    /** The step's own name, when the sequence gives it one. */
    nextStepName: next?.name ?? null,
    nextDueAt: next ? isoOrNull(e.nextDueAt) : null,
  };
}
