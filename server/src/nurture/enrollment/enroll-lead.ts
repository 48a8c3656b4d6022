import type { EntityManager } from 'typeorm';
import { isUniqueViolation } from '../../db/data-source';
import { insertedId } from '../../db/inserted-id';
import { HttpError } from '../../http/errors';
import type { LeadRecordBatch } from '../../leads/record-batch';
import { addTimelineEntries, TimelineInput } from '../../leads/timeline';
import { delayMinutes, Sequence } from '../sequences/schema';
import { findSequence } from '../sequences/sequences';
import { NurtureEnrollment } from './enrollment.entity';
import { EnrollReason, enrollReasonText, reasonDetail } from './reasons';
import { EXIT_BY_STAGE } from './subscribers/exit-on-stage-change';

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

export type EnrollResult =
  | { enrolled: true; enrollment: NurtureEnrollment }
  | { enrolled: false; reason: 'already_active' | 'already_done' | 'opted_out' | 'past_sequence' };

/** Why a hand enrollment was refused, as the mini-program and the admin API say it (409). */
export const NOT_ENROLLED_TEXT: Record<Exclude<EnrollResult, { enrolled: true }>['reason'], string> = {
  already_active: '该线索已在此培育序列中',
  already_done: '该线索已因同一原因加入过此培育序列',
  opted_out: '客户已发送退订关键词，不能再加入会因退订而停止的培育序列',
  past_sequence: '线索所处阶段已超出此培育序列（序列会在该阶段停止）',
};

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
  // One read: where the lead is, and whether the customer has opted out of nurture.
  const [lead] = (await manager.query(
    `SELECT l.stage AS stage, l.merged_into_id AS mergedIntoId,
            (SELECT COUNT(*) FROM timeline_entry t WHERE t.lead_id = l.id AND t.kind = 'nurture.opted_out') AS optedOut
       FROM ${manager.connection.driver.escape('lead')} l WHERE l.id = ?`,
    [input.leadId],
  )) as Array<{ stage: string; mergedIntoId: number | null; optedOut: number | string }>;
  if (!lead || lead.mergedIntoId !== null) {
    if (!input.sequence) throw new HttpError(404, 'not_found', `no lead ${input.leadId}`);
    return { enrolled: false, reason: 'past_sequence' };
  }
  // A sequence would stop at once for a lead already past it (SQL, won, lost) or a customer who opted out.
  const stageExit = EXIT_BY_STAGE.get(lead.stage);
  if (stageExit && sequence.exits.on.includes(stageExit)) return { enrolled: false, reason: 'past_sequence' };
  if (Number(lead.optedOut) > 0 && sequence.exits.on.includes('opt_out_keyword')) return { enrolled: false, reason: 'opted_out' };
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
    // Which key collided, from the error itself: a read here would not see the racing row inside a
    // MySQL transaction whose snapshot began before it committed. Without a cause key only the
    // active key can collide; MySQL names the index, SQLite the column.
    const active = !input.key || /uq_nurture_enrollment_active|active_key/.test(String((error as Error).message));
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
