import type { AppContext } from '../../context';
import type { MemberActor } from '../../members/member-actor';
import { badRequest, HttpError } from '../../http/errors';
import { FollowUp } from '../follow-up.entity';
import { Lead } from '../lead.entity';
import { recordActivity } from '../scoring/record-activity';
import { applyStageChange } from '../stages/change-stage';
import { findLeadFor } from '../../policies/lead';
import { addTimelineEntry } from '../timeline';
import { FOLLOW_UP_KIND_LABELS, outcomeLabel } from './labels';
import { formatCst } from '../../util/china-time';
import type { LogFollowUpInput } from './schemas';

/** A next step a little in the past is clock skew between phone and server, not a mistake. */
const PAST_SLACK_MS = 5 * 60_000;

/**
 * Command: the lead's owner logs a call, visit, chat or note (the lead policy decides who may).
 * One transaction writes the follow-up (with a pending reminder when it has a next step), the
 * lead's follow-up clocks and its planned next step (this follow-up's, or none), the timeline,
 * the outcome as a scoring signal, and moves a `new` lead to `contacted`.
 */
export async function logFollowUp(ctx: AppContext, actor: MemberActor, leadId: number, input: LogFollowUpInput) {
  const now = Date.now();
  if (input.nextStepAt !== undefined && input.nextStepAt < now - PAST_SLACK_MS) {
    throw badRequest('下一步时间不能早于现在', { fields: [{ path: 'nextStepAt', message: 'nextStepAt is in the past' }] });
  }
  return ctx.dataSource.transaction(async (manager) => {
    const { lead } = await findLeadFor(manager, actor, leadId, 'followUp');
    if (input.nextStepAt !== undefined && (lead.stage === 'won' || lead.stage === 'lost')) {
      // Winning or losing cancels pending reminders; a new next step would bring one back.
      throw new HttpError(409, 'lead_closed', '该线索已成交或已流失，不能再安排下一步', { stage: lead.stage });
    }
    const repo = manager.getRepository(FollowUp);
    const followUp = repo.create({
      leadId,
      userId: actor.userId,
      kind: input.kind,
      outcome: input.outcome ?? null,
      content: input.content?.trim() || null,
      nextStepAt: input.nextStepAt ?? null,
      nextStepNote: input.nextStepNote || null,
      reminderStatus: input.nextStepAt !== undefined ? 'pending' : 'none',
      createdAt: now,
    });
    await repo.insert(followUp);

    const updated = await manager
      .createQueryBuilder()
      .update(Lead)
      .set({
        lastFollowUpAt: now,
        lastInteractionAt: now,
        nextStepAt: followUp.nextStepAt,
        updatedAt: now,
        // The first response is kept even when later follow-ups come: response time is measured once.
        firstResponseAt: () => `COALESCE(first_response_at, ${Number(now)})`,
      })
      // Only while the lead still has the owner the policy saw: a lead returned, released or
      // reassigned a moment ago must not have its new owner's follow-up clock reset by the old one.
      .where(lead.ownerUserId === null ? 'id = :id AND owner_user_id IS NULL' : 'id = :id AND owner_user_id = :owner', { id: leadId, owner: lead.ownerUserId })
      .execute();
    if (!updated.affected) throw new HttpError(409, 'lead_changed', '该线索刚刚更换了负责人，请刷新后再试');

    const parts = [`${FOLLOW_UP_KIND_LABELS[input.kind]}跟进`];
    if (followUp.outcome) parts.push(`结果：${outcomeLabel(followUp.outcome)}`);
    if (followUp.nextStepAt) parts.push(`下一步：${formatCst(followUp.nextStepAt)}${followUp.nextStepNote ? ` ${followUp.nextStepNote}` : ''}`);
    await addTimelineEntry(manager, {
      leadId,
      kind: 'follow_up.logged',
      summary: parts.join('；'),
      data: { followUpId: followUp.id, userId: actor.userId, kind: input.kind, outcome: followUp.outcome, nextStepAt: followUp.nextStepAt },
      dedupKey: `follow_up:${followUp.id}`,
      occurredAt: now,
    });

    let stage = lead.stage;
    if (lead.stage === 'new') {
      // A lead someone has talked to is contacted, whether or not the rep remembers to say so.
      const moved = await applyStageChange(manager, { leadId, from: 'new', to: 'contacted', at: now, by: actor.userId, reason: '已记录跟进' });
      if (moved) stage = 'contacted';
    }

    if (followUp.outcome) {
      await recordActivity(manager, {
        leadId,
        kind: 'follow_up_outcome',
        value: followUp.outcome,
        data: { followUpId: followUp.id, kind: input.kind },
        dedupKey: `follow_up:${followUp.id}:outcome`,
        occurredAt: now,
      });
    }
    return { followUp, stage };
  });
}
