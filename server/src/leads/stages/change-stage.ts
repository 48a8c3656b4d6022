import type { EntityManager } from 'typeorm';
import type { AppContext } from '../../context';
import { isMysql } from '../../db/data-source';
import { HttpError } from '../../http/errors';
import { publishEvents } from '../../events/publish';
import type { DomainEvent } from '../../events/types';
import { serialized } from '../assignment/serialize';
import { cancelPendingReminders } from '../follow-ups/reminders';
import { Lead, LeadStage } from '../lead.entity';
import { addTimelineEntry } from '../timeline';
import { actorLabel, type PolicyActor } from '../../policies/actor';
import { findLeadFor } from '../../policies/lead';
import { ALLOWED_TRANSITIONS, isAllowedTransition, STAGE_LABELS } from './transitions';

export const invalidTransition = (from: LeadStage, to: LeadStage) =>
  new HttpError(409, 'invalid_transition', `不能从「${STAGE_LABELS[from]}」变更为「${STAGE_LABELS[to]}」`, {
    from,
    to,
    allowed: [...ALLOWED_TRANSITIONS[from]],
  });

export interface StageChange {
  leadId: number;
  from: LeadStage;
  to: LeadStage;
  at: number;
  /** userid of the rep, or 'admin'. */
  by: string;
  reason?: string | null;
}

/**
 * Moves the lead from `change.from` to `change.to` inside the caller's transaction, if it is still
 * in `from` (a conditional UPDATE, so two racing changes cannot both apply). Returns false when
 * the lead had already left `from`. Each applied change leaves a `stage.changed` timeline entry
 * with data {from, to, at}: the stage history the stats read. A lead closed as won or lost has no
 * next step left to be reminded of: its pending reminders are cancelled in the same transaction,
 * so no reminder can fire for a closed lead, even one due a second later. Publishes
 * lead.stage_changed, and lead.converted for a win, for whatever subscribes (nurture stops).
 */
export async function applyStageChange(manager: EntityManager, change: StageChange): Promise<boolean> {
  const set: Partial<Lead> = { stage: change.to, stageChangedAt: change.at, updatedAt: change.at };
  if (change.to === 'won') set.customerSince = change.at;
  // A closed lead has no next step left (its reminders are cancelled below).
  if (change.to === 'won' || change.to === 'lost') set.nextStepAt = null;
  const result = await manager
    .createQueryBuilder()
    .update(Lead)
    .set(set)
    .where('id = :id AND stage = :from', { id: change.leadId, from: change.from })
    .execute();
  if (!result.affected) return false;
  const reason = change.reason?.trim();
  await addTimelineEntry(manager, {
    leadId: change.leadId,
    kind: 'stage.changed',
    summary: `阶段：${STAGE_LABELS[change.from]} → ${STAGE_LABELS[change.to]}${reason ? `（${reason}）` : ''}`,
    data: { from: change.from, to: change.to, at: change.at, by: change.by, reason: reason || null },
    occurredAt: change.at,
  });
  if (change.to === 'won') {
    await addTimelineEntry(manager, {
      leadId: change.leadId,
      kind: 'lead.converted',
      summary: '成为客户',
      data: { at: change.at, by: change.by },
      dedupKey: `lead:${change.leadId}:converted`,
      occurredAt: change.at,
    });
  }
  // In the same transaction on purpose, not a subscriber: a reminder due a second after the
  // close must already be cancelled.
  if (change.to === 'won' || change.to === 'lost') await cancelPendingReminders(manager, change.leadId, change.to, change.at);
  const events: DomainEvent[] = [
    {
      name: 'lead.stage_changed',
      key: `lead.stage_changed:${change.leadId}:${change.from}>${change.to}:${change.at}`,
      occurredAt: change.at,
      payload: { leadId: change.leadId, from: change.from, to: change.to, by: change.by, reason: reason || null },
    },
  ];
  if (change.to === 'won') {
    events.push({ name: 'lead.converted', key: `lead.converted:${change.leadId}`, occurredAt: change.at, payload: { leadId: change.leadId, by: change.by } });
  }
  await publishEvents(manager, events);
  return true;
}

/** Command: whoever the lead policy lets (owner, the owner's manager, admin) moves a lead's stage along the allowed transitions. */
export async function changeStage(ctx: AppContext, actor: PolicyActor, leadId: number, to: LeadStage, reason?: string | null) {
  const run = async () => {
    const result = await ctx.dataSource.transaction((manager) => changeInTransaction(manager, actor, leadId, to, reason));
    if (result) return result;
    // Someone else moved the lead between our read and our update. Read where it is now outside
    // the transaction: inside it, MySQL's snapshot would still show the old stage.
    const now = await ctx.dataSource.getRepository(Lead).findOneByOrFail({ id: leadId });
    throw invalidTransition(now.stage, to);
  };
  // SQLite: one shared connection per process, so two changes of one lead must not overlap here;
  // on MySQL they may, and the conditional UPDATE lets exactly one through.
  return isMysql(ctx.dataSource) ? run() : serialized(`lead-stage:${leadId}`, run);
}

async function changeInTransaction(manager: EntityManager, actor: PolicyActor, leadId: number, to: LeadStage, reason?: string | null) {
  const { lead } = await findLeadFor(manager, actor, leadId, 'changeStage');
  if (!isAllowedTransition(lead.stage, to)) throw invalidTransition(lead.stage, to);
  const at = Date.now();
  const applied = await applyStageChange(manager, { leadId, from: lead.stage, to, at, by: actorLabel(actor), reason });
  if (!applied) return null;
  return { id: leadId, from: lead.stage, stage: to, stageChangedAt: at, customerSince: to === 'won' ? at : lead.customerSince };
}
