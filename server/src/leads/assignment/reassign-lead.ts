import type { AppContext } from '../../context';
import { notFound } from '../../http/errors';
import { teamForRep } from '../../teams/membership';
import { Lead } from '../lead.entity';
import { LeadAssignment } from '../lead-assignment.entity';
import { tagNamesOf } from '../lead-tags';
import { presentLeadOwnership } from '../pool/presenters';
import { addTimelineEntry } from '../timeline';
import { assertAssignableMember } from './known-member';
import { leadLabel, queueRepNotice } from './notices';

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
    const now = Date.now();
    const from = lead.ownerUserId;
    const teamId = await teamForRep(manager, input.toUserId, lead.teamId);
    await manager.update(Lead, { id: leadId }, { ownerUserId: input.toUserId, teamId, assignedAt: now, inPool: false, poolSince: null, updatedAt: now });
    const inserted = await manager.insert(LeadAssignment, {
      leadId,
      kind: 'reassigned',
      fromUserId: from,
      toUserId: input.toUserId,
      teamId,
      reason: `管理员改派：${input.reason}`.slice(0, 255),
      createdAt: now,
    });
    const key = `reassign:${inserted.identifiers[0].id}`;
    const fromLabel = from ?? (lead.inPool ? '公海' : '未分配');
    await addTimelineEntry(manager, {
      leadId,
      kind: 'lead.reassigned',
      summary: `管理员将线索从 ${fromLabel} 改派给 ${input.toUserId}，原因：${input.reason}`,
      data: { fromUserId: from, toUserId: input.toUserId, teamId },
      dedupKey: key,
      occurredAt: now,
    });
    await queueRepNotice(manager, {
      leadId,
      userId: input.toUserId,
      content: `【线索改派】管理员将线索 ${leadLabel(lead)} 改派给您，原因：${input.reason}。请及时跟进。`,
      timelineSummary: `已通知 ${input.toUserId}：改派给其的线索`,
      dedupKey: `${key}:to`,
    });
    if (from) {
      await queueRepNotice(manager, {
        leadId,
        userId: from,
        content: `【线索改派】您的线索 ${leadLabel(lead)} 已由管理员改派给 ${input.toUserId}，原因：${input.reason}。`,
        timelineSummary: `已通知 ${from}：线索已被改派`,
        dedupKey: `${key}:from`,
      });
    }
    return manager.findOneByOrFail(Lead, { id: leadId });
  });
  if (!lead) throw notFound('lead');
  ctx.kick();
  return presentLeadOwnership(lead, await tagNamesOf(ctx.dataSource.manager, leadId));
}
