import type { AppContext } from '../../context';
import { recordAudit } from '../../audit/record-audit';
import { badRequest, conflict, HttpError } from '../../http/errors';
import type { PolicyActor } from '../../policies/actor';
import { authorizeLead, leadScopeOf } from '../../policies/lead';
import { Lead } from '../lead.entity';
import { MergeError, mergeLeads, pickKept, sharedIdentifier, type MergeReason } from './merge-leads';

export interface MergeByHandInput {
  otherLeadId: number;
  /** Which of the two survives; default the older one (lower id). */
  keepLeadId?: number;
}

/**
 * Command: a person merges two leads they answer for (the lead policy's `merge`, on both: the
 * admin token or a member with the admin role, the manager of both owners' teams). The older
 * lead survives unless told otherwise; the reason recorded is the strongest identifier the two
 * share (`manual` when none). The kept lead's timeline names who merged, and the audit log keeps
 * the merge (`lead.merge`) in the same transaction. Both leads are re-read and re-authorized
 * inside it, so a merge racing another merge or a reassignment acts on what is true then.
 */
export async function mergeLeadsByHand(ctx: AppContext, actor: PolicyActor, leadId: number, input: MergeByHandInput) {
  if (input.otherLeadId === leadId) throw badRequest('不能将线索与其自身合并');
  if (input.keepLeadId !== undefined && input.keepLeadId !== leadId && input.keepLeadId !== input.otherLeadId) {
    throw badRequest('保留的线索必须是要合并的两条线索之一');
  }
  const { keepId, mergeId } =
    input.keepLeadId === undefined ? pickKept(leadId, input.otherLeadId) : { keepId: input.keepLeadId, mergeId: input.keepLeadId === leadId ? input.otherLeadId : leadId };
  const scope = await leadScopeOf(ctx.dataSource.manager, actor);
  const result = await ctx.dataSource
    .transaction(async (manager) => {
      const [kept, merged] = await Promise.all([manager.findOneBy(Lead, { id: keepId }), manager.findOneBy(Lead, { id: mergeId })]);
      authorizeLead(scope, kept, 'merge');
      authorizeLead(scope, merged, 'merge');
      const reason: MergeReason = sharedIdentifier(kept!, merged!);
      const lead = await mergeLeads(manager, keepId, mergeId, reason, actor);
      await recordAudit(manager, {
        action: 'lead.merge',
        actor,
        leadId: keepId,
        leadOwnerUserId: lead.ownerUserId,
        purpose: `合并线索 #${mergeId} 到 #${keepId}`,
        detail: { keptLeadId: keepId, mergedLeadId: mergeId, reason, mergedOwnerUserId: merged!.ownerUserId },
      });
      return { lead, reason };
    })
    .catch((error) => {
      if (error instanceof MergeError && error.code === 'already_merged') throw conflict(error.message);
      if (error instanceof MergeError && error.code === 'not_found') throw new HttpError(404, 'not_found', '线索不存在或您无权查看');
      throw error;
    });
  ctx.kick();
  return { keptLeadId: keepId, mergedLeadId: mergeId, reason: result.reason, lead: result.lead };
}
