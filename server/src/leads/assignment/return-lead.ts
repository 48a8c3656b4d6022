import type { AppContext } from '../../context';
import { HttpError, notFound } from '../../http/errors';
import type { MemberActor } from '../../members/member-actor';
import { findLeadFor } from '../../policies/lead';
import { Lead } from '../lead.entity';
import { changeOwner } from '../ownership/change-owner';

type ReturnOutcome = { kind: 'returned'; lead: Lead } | { kind: 'not_found' } | { kind: 'closed' };

/**
 * Command: the owner gives a lead back, with a reason. It goes through assignment again with
 * the returning rep left out (a subscriber of lead.owner_changed); no one else free → the pool.
 * Who may return which lead is the lead policy's answer (its owner, a rep). Returns the lead as
 * it is after the return.
 */
export async function returnLead(ctx: AppContext, actor: MemberActor, leadId: number, reason: string): Promise<Lead> {
  const userId = actor.userId;
  const outcome = await ctx.dataSource.transaction(async (manager): Promise<ReturnOutcome> => {
    const { lead } = await findLeadFor(manager, actor, leadId, 'return');
    if (lead.stage === 'won' || lead.stage === 'lost') return { kind: 'closed' };
    // Assignment follows as a subscriber of the change (the returning rep left out).
    const returned = await changeOwner(manager, {
      leadId,
      leadName: lead.name,
      kind: 'returned',
      // Re-checked in the UPDATE: a win or loss committed since the read above keeps its owner.
      expect: { ownerUserId: userId, sql: "stage NOT IN ('won', 'lost')" },
      to: { ownerUserId: null, inPool: false },
      fromUserId: userId,
      historyTeamId: lead.teamId,
      reason: `退回：${reason}`,
      note: reason,
      timeline: { kind: 'lead.returned', summary: `${userId} 退回了线索，原因：${reason}。将重新分配给其他成员`, data: { userId } },
    });
    if (!returned) return { kind: 'not_found' };
    return { kind: 'returned', lead: await manager.findOneByOrFail(Lead, { id: leadId }) };
  });
  if (outcome.kind === 'not_found') throw notFound('lead');
  if (outcome.kind === 'closed') throw new HttpError(409, 'lead_closed', '已成交或已流失的线索不能退回');
  ctx.kick();
  return outcome.lead;
}
