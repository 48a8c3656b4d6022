import { EntityManager, In, Not } from 'typeorm';
import { isMysql } from '../../db/data-source';
import { FormSubmission } from '../../capture/form-submission.entity';
import { ChatMessage } from '../../archive/messages/chat-message.entity';
import { ChatResponse } from '../../archive/responses/chat-response.entity';
import { ChatWaiting } from '../../archive/responses/chat-waiting.entity';
import { StoreEntry } from '../../entries/store-entry.entity';
import { GroupMember } from '../../groups/group-member.entity';
import { LeadMerge } from './lead-merge.entity';
import { FollowUp } from '../follow-up.entity';
import { Lead, LEAD_STAGES } from '../lead.entity';
import { LeadActivity } from '../lead-activity.entity';
import { LeadAssignment } from '../lead-assignment.entity';
import { LeadRelation } from '../lead-relation.entity';
import { LeadTag } from '../lead-tag.entity';
import { changeOwner } from '../ownership/change-owner';
import { insertActivity, requestRescore } from '../scoring/record-activity';
import { TimelineEntry } from '../timeline-entry.entity';
import { addTimelineEntry } from '../timeline';
import { actorLabel, actorName, type PolicyActor } from '../../policies/actor';

export type MergeReason = 'phone' | 'unionid' | 'external_user_id' | 'email' | 'manual';

export const MERGE_REASON_LABEL: Record<MergeReason, string> = {
  phone: '手机号',
  unionid: '微信 unionid',
  external_user_id: '企业微信客户 ID',
  email: '邮箱',
  manual: '人工合并',
};

/** Tables whose rows simply follow the lead: every row moves to the kept lead. */
const FOLLOWING_ROWS = [TimelineEntry, LeadActivity, FollowUp, LeadAssignment, FormSubmission, GroupMember, StoreEntry, ChatMessage, ChatResponse] as const;

export class MergeError extends Error {
  constructor(
    public readonly code: 'same_lead' | 'not_found' | 'already_merged',
    message: string,
  ) {
    super(message);
    this.name = 'MergeError';
  }
}

/** By default the older lead (lower id) survives: its id is the one reps and links already know. */
export function pickKept(a: number, b: number): { keepId: number; mergeId: number } {
  return a < b ? { keepId: a, mergeId: b } : { keepId: b, mergeId: a };
}

/** The identifier two leads share, strongest first; `manual` when they share none. */
export function sharedIdentifier(a: Lead, b: Lead): MergeReason {
  if (a.externalUserId && a.externalUserId === b.externalUserId) return 'external_user_id';
  if (a.unionid && a.unionid === b.unionid) return 'unionid';
  if (a.phone && a.phone === b.phone) return 'phone';
  if (a.email && a.email.toLowerCase() === b.email?.toLowerCase()) return 'email';
  return 'manual';
}

async function loadForMerge(manager: EntityManager, id: number): Promise<Lead | null> {
  // Two merges touching the same lead at once must not both move its rows.
  if (isMysql(manager.connection)) return manager.findOne(Lead, { where: { id }, lock: { mode: 'pessimistic_write' } });
  return manager.findOneBy(Lead, { id });
}

/**
 * Folds lead `mergeId` into lead `keepId`, in the caller's transaction: every timeline entry,
 * activity, follow-up, assignment, form submission and group membership moves over, and the
 * merged lead's capture signal becomes an activity of the kept lead; tags and
 * WeCom relations move unless the kept lead already has the same one; empty fields of the kept
 * lead are filled from the merged one (known values are never overwritten); the merged lead
 * stays as a tombstone pointing at the kept one (merged_into_id), and a lead_merge row keeps a
 * snapshot of it. Returns the kept lead as it is after the merge. `by`: the person who merged by
 * hand, named on the kept lead's timeline (capture's own merges have none).
 */
export async function mergeLeads(manager: EntityManager, keepId: number, mergeId: number, reason: MergeReason, by?: PolicyActor): Promise<Lead> {
  if (keepId === mergeId) throw new MergeError('same_lead', 'a lead cannot be merged into itself');
  const [first, second] = keepId < mergeId ? [keepId, mergeId] : [mergeId, keepId];
  const a = await loadForMerge(manager, first);
  const b = await loadForMerge(manager, second);
  const kept = a?.id === keepId ? a : b;
  const merged = a?.id === mergeId ? a : b;
  if (!kept || !merged) throw new MergeError('not_found', `lead ${!kept ? keepId : mergeId} not found`);
  if (kept.mergedIntoId !== null || merged.mergedIntoId !== null) {
    throw new MergeError('already_merged', `lead ${kept.mergedIntoId !== null ? keepId : mergeId} was already merged`);
  }
  const now = Date.now();
  const snapshot = { ...merged } as Record<string, unknown>;

  const moved: Record<string, number> = {};
  for (const entity of FOLLOWING_ROWS) {
    const result = await manager.createQueryBuilder().update(entity).set({ leadId: keepId }).where('lead_id = :mergeId', { mergeId }).execute();
    moved[manager.getRepository(entity).metadata.tableName] = result.affected ?? 0;
  }
  if (merged.captureSignal) {
    // The signal of the capture that created the merged lead lived on its row: it becomes an
    // activity of the kept lead, so the kept lead's score keeps counting it (once: by its key).
    if (await insertActivity(manager, keepId, merged.captureSignal)) moved.lead_activity += 1;
  }
  moved.lead_tag = await moveTags(manager, keepId, mergeId);
  moved.lead_relation = await moveRelations(manager, keepId, mergeId);
  moved.chat_waiting = await moveChatWaits(manager, keepId, mergeId);

  // The unique external_user_id has to leave the merged row before the kept row can take it.
  // The capture signal is cleared with it: it is the kept lead's activity now (and in the snapshot).
  await manager.update(Lead, { id: mergeId }, { externalUserId: null, mergedIntoId: keepId, inPool: false, poolSince: null, captureSignal: () => 'NULL', updatedAt: now });
  await manager.update(Lead, { id: keepId }, { ...filledFields(kept, merged), updatedAt: now });
  if (!kept.ownerUserId && merged.ownerUserId) {
    // The owner comes with its clock and team, and the lead leaves the pool.
    await changeOwner(manager, {
      leadId: keepId,
      leadName: kept.name || merged.name,
      kind: 'merged',
      expect: { ownerUserId: null },
      to: { ownerUserId: merged.ownerUserId, inPool: false, teamId: merged.teamId, assignedAt: merged.assignedAt ?? now },
      fromUserId: null,
      reason: `合并线索 #${mergeId}，沿用其负责人`,
      key: `merge:${mergeId}:owner`,
      at: now,
    });
  }

  await manager.insert(LeadMerge, { keptLeadId: keepId, mergedLeadId: mergeId, reason, snapshot: { lead: snapshot, moved }, mergedExternalUserId: merged.externalUserId, createdAt: now });
  await addTimelineEntry(manager, {
    leadId: keepId,
    kind: 'lead.merged',
    summary: `${by ? actorName(by) : ''}合并了重复线索 #${mergeId}（依据：${MERGE_REASON_LABEL[reason]}）`,
    data: { mergedLeadId: mergeId, reason, moved, ...(by ? { by: actorLabel(by) } : {}) },
    dedupKey: `merge:${mergeId}:into`,
    occurredAt: now,
  });
  await addTimelineEntry(manager, {
    leadId: mergeId,
    kind: 'lead.merged_away',
    summary: `已合并到线索 #${keepId}（依据：${MERGE_REASON_LABEL[reason]}），历史记录已一并转移`,
    data: { keptLeadId: keepId, reason },
    dedupKey: `merge:${mergeId}:away`,
    occurredAt: now,
  });
  await requestRescore(manager, keepId, `merge:${mergeId}`);
  return manager.findOneByOrFail(Lead, { id: keepId });
}

/** Tags the kept lead already has stay behind on the merged lead (lead_tag is unique per lead and name). */
async function moveTags(manager: EntityManager, keepId: number, mergeId: number): Promise<number> {
  const present = (await manager.find(LeadTag, { where: { leadId: keepId }, select: { id: true, name: true } })).map((t) => t.name);
  const where = present.length ? { leadId: mergeId, name: Not(In(present)) } : { leadId: mergeId };
  const result = await manager.update(LeadTag, where, { leadId: keepId });
  return result.affected ?? 0;
}

/** A rep who knows both leads keeps one relation: the kept lead's, revived if only the merged one is active. */
async function moveRelations(manager: EntityManager, keepId: number, mergeId: number): Promise<number> {
  const repo = manager.getRepository(LeadRelation);
  const keptRelations = await repo.findBy({ leadId: keepId });
  const byUser = new Map(keptRelations.map((r) => [r.userId, r]));
  let movedCount = 0;
  for (const relation of await repo.findBy({ leadId: mergeId })) {
    const twin = byUser.get(relation.userId);
    if (!twin) {
      await repo.update({ id: relation.id }, { leadId: keepId });
      movedCount++;
    } else if (twin.status === 'lost' && relation.status === 'active') {
      const { id: _id, leadId: _leadId, ...fields } = relation;
      await repo.update({ id: twin.id }, fields);
    }
  }
  return movedCount;
}

const empty = (v: unknown) => v === null || v === undefined || v === '';

/** What the kept lead learns from the merged one: only fields it does not know yet. */
function filledFields(kept: Lead, merged: Lead): Partial<Lead> {
  const fill: Partial<Lead> = {};
  const simple = ['name', 'avatar', 'contactType', 'gender', 'corpName', 'phone', 'email', 'unionid', 'externalUserId', 'channelId', 'addWay', 'firstResponseAt', 'lastFollowUpAt'] as const;
  for (const field of simple) {
    if (empty(kept[field]) && !empty(merged[field])) (fill as Record<string, unknown>)[field] = merged[field];
  }
  if (merged.attributes) {
    const attributes = { ...merged.attributes, ...(kept.attributes ?? {}) };
    if (Object.keys(attributes).length !== Object.keys(kept.attributes ?? {}).length) fill.attributes = attributes;
  }
  // 'new' is the default, not knowledge: a merged lead that got further carries its stage over.
  if (kept.stage === 'new' && merged.stage !== 'new' && LEAD_STAGES.includes(merged.stage)) {
    Object.assign(fill, { stage: merged.stage, stageChangedAt: merged.stageChangedAt, customerSince: kept.customerSince ?? merged.customerSince });
  }
  if ((merged.lastInteractionAt ?? 0) > (kept.lastInteractionAt ?? 0)) fill.lastInteractionAt = merged.lastInteractionAt;
  return fill;
}

/**
 * A customer waiting on the merged lead waits on the kept one: one wait per (lead, rep), so where
 * the kept lead has one with the same rep, the earlier of the two stays.
 */
async function moveChatWaits(manager: EntityManager, keepId: number, mergeId: number): Promise<number> {
  const repo = manager.getRepository(ChatWaiting);
  const waits = await repo.findBy({ leadId: mergeId });
  for (const wait of waits) {
    const twin = await repo.findOneBy({ leadId: keepId, userId: wait.userId });
    await repo.delete({ leadId: mergeId, userId: wait.userId });
    if (!twin) await repo.insert({ ...wait, leadId: keepId });
    else if (wait.since < twin.since) await repo.update({ leadId: keepId, userId: wait.userId }, { since: wait.since, msgid: wait.msgid, alertedAt: wait.alertedAt });
  }
  return waits.length;
}
