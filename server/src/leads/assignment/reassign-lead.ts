import type { AppContext } from '../../context';
import { recordAudit } from '../../audit/record-audit';
import { conflict } from '../../http/errors';
import { actorDisplayName } from '../../members/names';
import { actorLabel, actorName, forbidden, type PolicyActor } from '../../policies/actor';
import { authorizeLead, leadScopeOf, mayAssignTo } from '../../policies/lead';
import { teamForRep } from '../../teams/membership';
import { Lead } from '../lead.entity';
import { tagNamesOf } from '../lead-tags';
import { presentLeadOwnership } from '../pool/presenters';
import { changeOwner } from '../ownership/change-owner';
import { assertAssignableMember } from './known-member';

/**
 * Command: someone who answers for a lead (the admin token, a member with the admin role, the
 * manager of its team: the lead policy's `reassign`) gives it to a rep, from another rep, the
 * pool or nobody. A manager's decision, so the team cap and claim limits do not apply; a
 * manager gives leads only to members of the teams they manage (mayAssignTo). Both reps are
 * told, by the name of who did it. The target must be a known member (assertAssignableMember):
 * a misspelt userid would otherwise take the lead away from a real rep and give it to nobody.
 * The audit log keeps who moved which lead (`lead.reassign`), in the change's transaction.
 */
export async function reassignLead(ctx: AppContext, actor: PolicyActor, leadId: number, input: { toUserId: string; reason: string }) {
  const scope = await leadScopeOf(ctx.dataSource.manager, actor);
  const current = authorizeLead(scope, await ctx.dataSource.getRepository(Lead).findOneBy({ id: leadId }), 'reassign');
  if (!mayAssignTo(scope, input.toUserId)) throw forbidden('只能改派给您所管理团队的成员');
  // Already theirs: nothing changes, so nothing to check (and no WeCom call).
  if (current.ownerUserId !== input.toUserId) await assertAssignableMember(ctx, input.toUserId);
  const byName = await actorDisplayName(ctx.dataSource.manager, actor);
  const lead = await ctx.dataSource.transaction(async (manager) => {
    // Read again in the transaction, and authorized again: it may have changed hands (or been
    // merged) since, into a team this manager does not answer for.
    const lead = authorizeLead(scope, await manager.findOneBy(Lead, { id: leadId }), 'reassign');
    if (lead.ownerUserId === input.toUserId) return lead;
    const from = lead.ownerUserId;
    const teamId = await teamForRep(manager, input.toUserId, lead.teamId);
    const fromLabel = from ?? (lead.inPool ? '公海' : '未分配');
    const at = Date.now();
    const moved = await changeOwner(manager, {
      leadId,
      leadName: lead.name,
      kind: 'reassigned',
      // From whoever had it as read above: a claim or release committed since makes this a 409.
      expect: { ownerUserId: from, inPool: lead.inPool },
      to: { ownerUserId: input.toUserId, inPool: false, teamId },
      fromUserId: from,
      reason: `${actorName(actor)}改派：${input.reason}`,
      note: input.reason,
      byName,
      timeline: {
        kind: 'lead.reassigned',
        summary: `${actorName(actor)}将线索从 ${fromLabel} 改派给 ${input.toUserId}，原因：${input.reason}`,
        data: { fromUserId: from, toUserId: input.toUserId, teamId, by: actorLabel(actor) },
      },
      at,
    });
    if (!moved) throw conflict('该线索的归属刚刚发生了变化，请刷新后重试');
    await recordAudit(manager, {
      action: 'lead.reassign',
      actor,
      leadId,
      // The owner it was taken from (else the new one): whose manager reads the row.
      leadOwnerUserId: from ?? input.toUserId,
      purpose: input.reason,
      detail: { fromUserId: from, toUserId: input.toUserId, teamId },
      at,
    });
    return manager.findOneByOrFail(Lead, { id: leadId });
  });
  ctx.kick();
  return presentLeadOwnership(lead, await tagNamesOf(ctx.dataSource.manager, leadId));
}
