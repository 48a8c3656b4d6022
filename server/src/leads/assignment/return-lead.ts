import type { AppContext } from '../../context';
import { HttpError, notFound } from '../../http/errors';
import { Lead } from '../lead.entity';
import { LeadAssignment } from '../lead-assignment.entity';
import { tagNamesOf } from '../lead-tags';
import { presentLeadOwnership } from '../pool/presenters';
import { addTimelineEntry } from '../timeline';
import { requestAssignment } from './request-assignment';

type ReturnOutcome = { kind: 'returned'; lead: Lead } | { kind: 'not_found' } | { kind: 'closed' };

/**
 * Command: the owner gives a lead back, with a reason. It goes through assignment again with
 * the returning rep left out; no one else free → the pool. Other reps' leads are 404.
 */
export async function returnLead(ctx: AppContext, userId: string, leadId: number, reason: string) {
  const outcome = await ctx.dataSource.transaction(async (manager): Promise<ReturnOutcome> => {
    const lead = await manager.findOneBy(Lead, { id: leadId });
    if (!lead || lead.ownerUserId !== userId || lead.mergedIntoId) return { kind: 'not_found' };
    if (lead.stage === 'won' || lead.stage === 'lost') return { kind: 'closed' };
    const now = Date.now();
    const released = await manager
      .createQueryBuilder()
      .update(Lead)
      .set({ ownerUserId: null, updatedAt: now })
      .where('id = :id AND owner_user_id = :userId', { id: leadId, userId })
      .execute();
    if (!released.affected) return { kind: 'not_found' };
    const inserted = await manager.insert(LeadAssignment, {
      leadId,
      kind: 'returned',
      fromUserId: userId,
      toUserId: null,
      teamId: lead.teamId,
      reason: `退回：${reason}`.slice(0, 255),
      createdAt: now,
    });
    const key = `return:${inserted.identifiers[0].id}`;
    await addTimelineEntry(manager, {
      leadId,
      kind: 'lead.returned',
      summary: `${userId} 退回了线索，原因：${reason}。将重新分配给其他成员`,
      data: { userId },
      dedupKey: key,
      occurredAt: now,
    });
    await requestAssignment(manager, leadId, key, { excludeUserIds: [userId] });
    return { kind: 'returned', lead: await manager.findOneByOrFail(Lead, { id: leadId }) };
  });
  if (outcome.kind === 'not_found') throw notFound('lead');
  if (outcome.kind === 'closed') throw new HttpError(409, 'lead_closed', '已成交或已流失的线索不能退回');
  ctx.kick();
  return presentLeadOwnership(outcome.lead, await tagNamesOf(ctx.dataSource.manager, leadId));
}
