import type { EntityManager } from 'typeorm';
import { isUniqueViolation } from '../../db/data-source';
import { insertedId } from '../../db/inserted-id';
import { HttpError } from '../../http/errors';
import { Lead } from '../../leads/lead.entity';
import type { LeadRecordBatch } from '../../leads/record-batch';
import { addTimelineEntries, TimelineInput } from '../../leads/timeline';
import { delayMinutes, Sequence } from '../sequences/schema';
import { findSequence } from '../sequences/sequences';
import { NurtureEnrollment } from './enrollment.entity';
import { EnrollReason, enrollReasonText, reasonDetail } from './reasons';

export interface EnrollLeadInput {
  leadId: number;
  sequenceKey: string;
  reason: EnrollReason;
  at: number;
  /** What caused it (a subscriber's run.key and the sequence): the same key enrolls once, ever. */
  key?: string;
  /** The sequence when the caller read it already (subscribers); else it is looked up. */
  sequence?: Sequence;
  /** A subscriber's run.records: the timeline entry is written with the event's others. */
  records?: LeadRecordBatch;
}

export type EnrollResult = { enrolled: true; enrollment: NurtureEnrollment } | { enrolled: false; reason: 'already_active' | 'already_done' };

/** While active: the key two concurrent enrollments of one lead in one sequence collide on. */
export const activeKeyOf = (leadId: number, sequenceKey: string) => `${leadId}:${sequenceKey}`;

/**
 * Puts a lead into a sequence, unless it is in it already (then nothing is written: the unique
 * active_key makes a racing second enrollment fail to insert) or `key` enrolled it before.
 * The lead's timeline says so in Chinese, with the reason. The first step is due its delay
 * after enrollment. 404 for an unknown lead or sequence, 409 for a disabled sequence.
 */
export async function enrollLead(manager: EntityManager, input: EnrollLeadInput): Promise<EnrollResult> {
  const sequence = input.sequence ?? (await enabledSequenceOrThrow(manager, input.sequenceKey));
  if (!input.sequence) {
    const lead = await manager.getRepository(Lead).findOne({ select: { id: true, mergedIntoId: true }, where: { id: input.leadId } });
    if (!lead || lead.mergedIntoId !== null) throw new HttpError(404, 'not_found', `no lead ${input.leadId}`);
  }
  const first = sequence.steps[0];
  const row: Omit<NurtureEnrollment, 'id'> = {
    leadId: input.leadId,
    sequenceKey: sequence.key,
    status: 'active',
    activeKey: activeKeyOf(input.leadId, sequence.key),
    causeKey: input.key ? input.key.slice(0, 191) : null,
    reason: input.reason.type,
    reasonDetail: reasonDetail(input.reason),
    enrolledAt: input.at,
    exitedAt: null,
    exitReason: null,
    nextStepIndex: 0,
    nextDueAt: input.at + delayMinutes(first.delay) * 60_000,
  };
  let id: number;
  try {
    id = insertedId(await manager.createQueryBuilder().insert().into(NurtureEnrollment).values(row).updateEntity(false).execute());
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const active = await manager.getRepository(NurtureEnrollment).exists({ where: { activeKey: activeKeyOf(input.leadId, sequence.key) } });
    return { enrolled: false, reason: active ? 'already_active' : 'already_done' };
  }
  const entry: TimelineInput = {
    leadId: input.leadId,
    kind: 'nurture.enrolled',
    summary: `加入培育序列「${sequence.name}」：${enrollReasonText(input.reason)}`,
    data: { enrollmentId: id, sequenceKey: sequence.key, reason: input.reason },
    dedupKey: `nurture.enrolled:${id}`,
    occurredAt: input.at,
  };
  if (input.records) input.records.addTimeline(entry);
  else await addTimelineEntries(manager, [entry]);
  return { enrolled: true, enrollment: { id, ...row } };
}

async function enabledSequenceOrThrow(manager: EntityManager, key: string): Promise<Sequence> {
  const info = await findSequence(manager, key);
  if (!info) throw new HttpError(404, 'not_found', `no nurture sequence "${key}"`);
  if (!info.sequence.enabled) throw new HttpError(409, 'sequence_disabled', `nurture sequence "${key}" is disabled`);
  return info.sequence;
}
