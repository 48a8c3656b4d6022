import type { AppContext } from '../../context';
import { conflict, notFound } from '../../http/errors';
import { teamForRep } from '../../teams/membership';
import { Lead } from '../lead.entity';
import { tagNamesOf } from '../lead-tags';
import { presentLeadOwnership } from '../pool/presenters';
import { changeOwner } from '../ownership/change-owner';
import { assertAssignableMember } from './known-member';

/**
 * Command: a manager gives a lead to a rep, from another rep, the pool or nobody. A manager's
 * decision, so the team cap and claim limits do not apply. Both reps are told. The target must
 * be a known member (assertAssignableMember): a misspelt userid would otherwise take the lead
 * away from a real rep and give it to nobody.
 */
export async function reassignLead(ctx: AppContext, leadId: number, input: { toUserId: string; reason: string }) {
  const current = await ctx.dataSource.getRepository(Lead).findOneBy({ id: leadId });
  if (!current || current.mergedIntoId) throw notFound('lead');
  // Already theirs: nothing changes, so nothing to check (and no WeCom call).
  if (current.ownerUserId !== input.toUserId) await assertAssignableMember(ctx, input.toUserId);
  const lead = await ctx.dataSource.transaction(async (manager) => {
    const lead = await manager.findOneBy(Lead, { id: leadId });
    if (!lead || lead.mergedIntoId) return null;
    if (lead.ownerUserId === input.toUserId) return lead;
    const from = lead.ownerUserId;
    const teamId = await teamForRep(manager, input.toUserId, lead.teamId);
    const fromLabel = from ?? (lead.inPool ? '公海' : '未分配');
    const moved = await changeOwner(manager, {
      leadId,
      leadName: lead.name,
      kind: 'reassigned',
      // From whoever had it as read above: a claim or release committed since makes this a 409.
      expect: { ownerUserId: from, inPool: lead.inPool },
      to: { ownerUserId: input.toUserId, inPool: false, teamId },
      fromUserId: from,
      reason: `管理员改派：${input.reason}`,
      note: input.reason,
      timeline: {
        kind: 'lead.reassigned',
        summary: `管理员将线索从 ${fromLabel} 改派给 ${input.toUserId}，原因：${input.reason}`,
        data: { fromUserId: from, toUserId: input.toUserId, teamId },
      },
    });
    if (!moved) throw conflict('该线索的归属刚刚发生了变化，请刷新后重试');
    return manager.findOneByOrFail(Lead, { id: leadId });
  });
  if (!lead) throw notFound('lead');
  ctx.kick();
  return presentLeadOwnership(lead, await tagNamesOf(ctx.dataSource.manager, leadId));
}
