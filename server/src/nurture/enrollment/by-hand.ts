import type { EntityManager } from 'typeorm';
import type { AppContext } from '../../context';
import { recordAudit } from '../../audit/record-audit';
import { HttpError } from '../../http/errors';
import type { MemberActor } from '../../members/member-actor';
import { memberNames } from '../../members/names';
import { hidden } from '../../policies/actor';
import { findLeadFor } from '../../policies/lead';
import type { Sequence } from '../sequences/schema';
import { enabledSequences, findSequence } from '../sequences/sequences';
import { enrollLead, NOT_ENROLLED_TEXT } from './enroll-lead';
import { NurtureEnrollment } from './enrollment.entity';
import { exitEnrollments } from './exit-enrollments';

/**
 * A member (the mini-program) enrolling a lead in a nurture sequence by hand, or taking it out:
 * for a lead the lead policy lets them `nurture` (its owner, the owner's manager, an admin), only
 * in sequences that say they may be entered by hand (a `manual` trigger: a sequence built for
 * an expo channel is not for every lead). Each act is one transaction with its timeline entry,
 * which names the member, and its audit row.
 */

/** Sequences a member may put a lead in by hand: enabled, with a `manual` trigger. */
const entersByHand = (sequence: Sequence) => sequence.enabled && sequence.triggers.some((t) => t.type === 'manual');

export async function handEnrollableSequences(manager: EntityManager): Promise<Sequence[]> {
  return (await enabledSequences(manager)).filter(entersByHand);
}

async function handSequence(manager: EntityManager, key: string): Promise<Sequence> {
  const info = await findSequence(manager, key);
  if (!info) throw new HttpError(404, 'not_found', '培育序列不存在');
  if (!info.sequence.enabled) throw new HttpError(409, 'sequence_disabled', `培育序列「${info.sequence.name}」已停用`);
  if (!entersByHand(info.sequence)) throw new HttpError(409, 'not_manual', `培育序列「${info.sequence.name}」不支持手动加入`);
  return info.sequence;
}

export interface HandEnrollment {
  enrollment: NurtureEnrollment;
  sequence: Sequence;
  /** The member's name, for the reply's reason text. */
  byName: string | null;
}

/**
 * Enrolls the lead: 404/403 as the lead policy answers, 404 for an unknown sequence, 409 for a
 * disabled one or one without a manual trigger, 409 `no_owner` for a lead nobody owns (its pushes
 * would have no one to send them), 409 `already_enrolled` while it is in that sequence.
 */
export async function enrollByHand(app: AppContext, actor: MemberActor, leadId: number, sequenceKey: string): Promise<HandEnrollment> {
  const at = (app.clock ?? Date.now)();
  return app.dataSource.transaction(async (manager) => {
    const { lead } = await findLeadFor(manager, actor, leadId, 'nurture');
    const sequence = await handSequence(manager, sequenceKey);
    // Reachable only for an admin: a rep or manager reaches a lead through its owner.
    if (!lead.ownerUserId) throw new HttpError(409, 'no_owner', '该线索还没有负责人，认领或分配后才能加入培育');
    const byName = (await memberNames(manager, [actor.userId])).get(actor.userId) ?? null;
    const result = await enrollLead(manager, { leadId, sequenceKey: sequence.key, sequence, reason: { type: 'manual', by: actor.userId, name: byName }, at });
    if (!result.enrolled) {
      if (result.reason === 'already_active') throw new HttpError(409, 'already_enrolled', `该线索已在培育序列「${sequence.name}」中`);
      throw new HttpError(409, result.reason, NOT_ENROLLED_TEXT[result.reason]);
    }
    await recordAudit(manager, {
      action: 'nurture.enroll',
      actor,
      leadId,
      leadOwnerUserId: lead.ownerUserId,
      purpose: `手动加入培育序列「${sequence.name}」`,
      detail: { sequenceKey: sequence.key, enrollmentId: result.enrollment.id },
      at,
    });
    return { enrollment: result.enrollment, sequence, byName };
  });
}

/**
 * Takes the lead out of one of its enrollments (`exitReason: manual`): 404/403 as the lead
 * policy answers, 404 for an enrollment that is not this lead's, 409 `not_active` once it has
 * ended (also when another exit won the race).
 */
export async function exitByHand(app: AppContext, actor: MemberActor, leadId: number, enrollmentId: number): Promise<NurtureEnrollment> {
  const at = (app.clock ?? Date.now)();
  return app.dataSource.transaction(async (manager) => {
    const { lead } = await findLeadFor(manager, actor, leadId, 'nurture');
    const enrollment = await manager.findOneBy(NurtureEnrollment, { id: enrollmentId, leadId });
    if (!enrollment) throw hidden('记录');
    const name = (await findSequence(manager, enrollment.sequenceKey))?.sequence.name ?? enrollment.sequenceKey;
    let exited: NurtureEnrollment | undefined;
    if (enrollment.status === 'active') {
      const by = { userId: actor.userId, name: (await memberNames(manager, [actor.userId])).get(actor.userId) ?? null };
      const ended = await exitEnrollments(manager, { leadId, sequenceKey: enrollment.sequenceKey, reason: 'manual', at, by });
      exited = ended.find((e) => e.id === enrollment.id);
    }
    if (!exited) throw new HttpError(409, 'not_active', `培育序列「${name}」已经结束`);
    await recordAudit(manager, {
      action: 'nurture.exit',
      actor,
      leadId,
      leadOwnerUserId: lead.ownerUserId,
      purpose: `手动停止培育序列「${name}」`,
      detail: { sequenceKey: enrollment.sequenceKey, enrollmentId: enrollment.id },
      at,
    });
    return exited;
  });
}
