import type { EntityManager } from 'typeorm';
import type { LeadRecordBatch } from '../../leads/record-batch';
import { addTimelineEntries, TimelineInput } from '../../leads/timeline';
import { listSequences } from '../sequences/sequences';
import { NurtureEnrollment } from './enrollment.entity';
import { EnrollmentExitReason, exitReasonText } from './reasons';

export interface ExitEnrollmentsInput {
  leadId: number;
  reason: EnrollmentExitReason;
  at: number;
  /** Only this sequence; else every active enrollment of the lead. */
  sequenceKey?: string;
  /** A subscriber's run.records: the timeline entries are written with the event's others. */
  records?: LeadRecordBatch;
  /** A member's hand exit (`manual`): who, so the timeline names them rather than an admin. */
  by?: { userId: string; name?: string | null };
}

/**
 * Ends a lead's active enrollments for `reason`: `sequence_end` completes them, anything else
 * exits them. A sequence exits only on the reasons its definition lists (`exits.on`); an
 * admin's hand (`manual`) and a sequence no longer defined end it regardless. Each ended
 * enrollment is one conditional UPDATE (so two racing exits end it once) and one timeline entry
 * keyed by the enrollment, so a re-run writes nothing twice. Returns the enrollments ended.
 */
export async function exitEnrollments(manager: EntityManager, input: ExitEnrollmentsInput): Promise<NurtureEnrollment[]> {
  const repo = manager.getRepository(NurtureEnrollment);
  const active = await repo.find({
    where: { leadId: input.leadId, status: 'active', ...(input.sequenceKey ? { sequenceKey: input.sequenceKey } : {}) },
    order: { id: 'ASC' },
  });
  if (active.length === 0) return [];
  const sequences = new Map((await listSequences(manager)).map((i) => [i.key, i.sequence]));
  const status = input.reason === 'sequence_end' ? 'completed' : 'exited';
  const ended: NurtureEnrollment[] = [];
  const entries: TimelineInput[] = [];
  for (const enrollment of active) {
    const sequence = sequences.get(enrollment.sequenceKey);
    if (input.reason !== 'manual' && sequence && !sequence.exits.on.includes(input.reason)) continue;
    const result = await repo.update(
      { id: enrollment.id, status: 'active' },
      { status, activeKey: null, exitedAt: input.at, exitReason: input.reason, nextDueAt: null },
    );
    if (!result.affected) continue;
    ended.push({ ...enrollment, status, activeKey: null, exitedAt: input.at, exitReason: input.reason, nextDueAt: null });
    const name = sequence?.name ?? enrollment.sequenceKey;
    entries.push({
      leadId: input.leadId,
      kind: status === 'completed' ? 'nurture.completed' : 'nurture.exited',
      summary: status === 'completed' ? `培育序列「${name}」已完成` : `退出培育序列「${name}」：${exitReasonText(input.reason, input.by)}`,
      data: { enrollmentId: enrollment.id, sequenceKey: enrollment.sequenceKey, reason: input.reason, ...(input.by ? { by: input.by.userId } : {}) },
      dedupKey: `nurture.exited:${enrollment.id}`,
      occurredAt: input.at,
    });
  }
  if (input.records) for (const entry of entries) input.records.addTimeline(entry);
  else await addTimelineEntries(manager, entries);
  return ended;
}
