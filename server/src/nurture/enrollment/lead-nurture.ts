import type { EntityManager } from 'typeorm';
import { memberNames } from '../../members/names';
import type { PolicyActor } from '../../policies/actor';
import { findLeadFor, mayDo } from '../../policies/lead';
import { listSequences } from '../sequences/sequences';
import { NurtureEnrollment } from './enrollment.entity';
import { presentLeadEnrollment } from './presenters';

/** Enrollments a lead's nurture view shows at most: the active ones, then the latest ended. */
export const LEAD_NURTURE_LIMIT = 20;

/**
 * A lead's nurture as the mini-program shows it, for whoever may see the lead (404 otherwise):
 * its active enrollments, then the most recently ended, at most LEAD_NURTURE_LIMIT in all, with
 * the sequences' names and next steps; and whether this member may enroll it or stop one.
 */
export async function leadNurture(manager: EntityManager, actor: PolicyActor, leadId: number) {
  const { lead, scope } = await findLeadFor(manager, actor, leadId, 'view');
  const repo = manager.getRepository(NurtureEnrollment);
  // A lead is active in a sequence once at most, so the active ones are few; ended ones pile up.
  const active = await repo.find({ where: { leadId, status: 'active' }, order: { id: 'DESC' }, take: LEAD_NURTURE_LIMIT });
  const ended =
    active.length < LEAD_NURTURE_LIMIT
      ? await repo
          .createQueryBuilder('e')
          .where("e.lead_id = :leadId AND e.status <> 'active'", { leadId })
          .orderBy('e.id', 'DESC')
          .limit(LEAD_NURTURE_LIMIT - active.length)
          .getMany()
      : [];
  const rows = [...active, ...ended];
  const sequences = new Map((await listSequences(manager)).map((i) => [i.key, i.sequence]));
  const names = await memberNames(manager, rows.filter((r) => r.reason === 'manual' && r.reasonDetail).map((r) => r.reasonDetail!));
  return {
    canManage: mayDo(scope, lead, 'nurture'),
    enrollments: rows.map((e) => presentLeadEnrollment(e, sequences.get(e.sequenceKey), e.reason === 'manual' ? names.get(e.reasonDetail ?? '') : null)),
  };
}
