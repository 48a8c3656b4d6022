import type { EntityManager } from 'typeorm';
import { insertedId } from '../../db/inserted-id';
import { publishEvent } from '../../events/publish';
import type { OwnershipChangeKind } from '../../events/types';
import { Lead } from '../lead.entity';
import { AssignmentKind, LeadAssignment } from '../lead-assignment.entity';
import { addTimelineEntry } from '../timeline';

export interface OwnerChange {
  leadId: number;
  /** Shown in notices (`#12 王小明`); the caller has the lead already. */
  leadName: string;
  kind: OwnershipChangeKind;
  /**
   * What must still be true for the change to apply, re-checked in the UPDATE itself, so a
   * change that lost a race (a claim, a follow-up, another instance's release) changes nothing.
   * `ownerUserId`: the owner the lead must have now (null = no owner); omitted = any owner.
   */
  expect: { ownerUserId?: string | null; inPool?: boolean; sql?: string; params?: Record<string, unknown> };
  to: {
    ownerUserId: string | null;
    inPool: boolean;
    /** The lead's team from now on; omitted = unchanged. */
    teamId?: number | null;
    /** When the new owner's follow-up clock starts; default `at`. Ignored without a new owner. */
    assignedAt?: number;
  };
  /** The owner before the change, as the caller read it (recorded in the history and the event). */
  fromUserId: string | null;
  /** The team written on the history row (default: `to.teamId`). */
  historyTeamId?: number | null;
  /** The history row's reason (lead_assignment.reason). */
  reason: string;
  /** The person's own words, passed on to the notices (a manager's reason for a reassignment). */
  note?: string;
  /** Who made the change by hand, as the notices name them (孙七; 管理员 for the admin token). */
  byName?: string;
  /** The timeline entry; omitted when the caller writes its own (a capture writes one entry for the add). */
  timeline?: { kind: string; summary: string; data?: Record<string, unknown> };
  /** Keys the timeline entry and the event; default `<kind>:<history row id>`. */
  key?: string;
  /** The follow-up deadline that applies (for the notices). */
  followUpHours?: number;
  at?: number;
}

/** The history row's kind: going into the pool without an owner is recorded as a release. */
const HISTORY_KIND: Record<OwnershipChangeKind, AssignmentKind> = {
  added: 'added',
  assigned: 'assigned',
  claimed: 'claimed',
  reassigned: 'reassigned',
  returned: 'returned',
  released: 'released',
  pooled: 'released',
  merged: 'merged',
};

/**
 * Command: a lead changes hands — captured by the rep a customer added, assigned by the rules,
 * claimed from the pool, reassigned by a manager, returned, released for no follow-up, or put in
 * the pool. Every path goes through here, in the caller's transaction: one conditional UPDATE of
 * the ownership columns only (never a save() of an entity read earlier), the history row, the
 * timeline entry, and the `lead.owner_changed` event that notices and assignment subscribe to.
 * Returns false, having written nothing, when the lead no longer meets `expect`.
 */
export async function changeOwner(manager: EntityManager, change: OwnerChange): Promise<boolean> {
  const at = change.at ?? Date.now();
  const set: Record<string, unknown> = {
    ownerUserId: change.to.ownerUserId,
    inPool: change.to.inPool,
    poolSince: change.to.inPool ? at : null,
    updatedAt: at,
  };
  if (change.to.ownerUserId) set.assignedAt = change.to.assignedAt ?? at;
  if (change.to.teamId !== undefined) set.teamId = change.to.teamId;

  const where = ['id = :leadId', 'merged_into_id IS NULL'];
  const params: Record<string, unknown> = { leadId: change.leadId, ...(change.expect.params ?? {}) };
  if (change.expect.ownerUserId === null) where.push('owner_user_id IS NULL');
  else if (change.expect.ownerUserId !== undefined) {
    where.push('owner_user_id = :expectedOwner');
    params.expectedOwner = change.expect.ownerUserId;
  }
  if (change.expect.inPool !== undefined) where.push(`in_pool = ${change.expect.inPool ? 1 : 0}`);
  if (change.expect.sql) where.push(`(${change.expect.sql})`);

  const moved = await manager.createQueryBuilder().update(Lead).set(set).where(where.join(' AND '), params).execute();
  if (!moved.affected) return false;
  await recordOwnerChange(manager, { ...change, at });
  return true;
}

/**
 * The history row, timeline entry and event of an ownership change changeOwner's UPDATE wrote to
 * the lead row. (A lead created with its owner has none: its INSERT is the record, see captureLead.)
 */
async function recordOwnerChange(manager: EntityManager, change: OwnerChange & { at: number }): Promise<void> {
  const { at } = change;
  const teamId = change.historyTeamId !== undefined ? change.historyTeamId : (change.to.teamId ?? null);
  const inserted = await manager
    .createQueryBuilder()
    .insert()
    .into(LeadAssignment)
    .values({
      leadId: change.leadId,
      kind: HISTORY_KIND[change.kind],
      fromUserId: change.fromUserId,
      toUserId: change.to.ownerUserId,
      teamId,
      reason: change.reason.slice(0, 255),
      createdAt: at,
    })
    // No re-read of the row: nothing of it is needed but its id.
    .updateEntity(false)
    .execute();
  const key = change.key ?? `${change.kind}:${insertedId(inserted)}`;
  if (change.timeline) {
    await addTimelineEntry(manager, { leadId: change.leadId, ...change.timeline, dedupKey: key, occurredAt: at });
  }
  await publishEvent(manager, {
    name: 'lead.owner_changed',
    key: `lead.owner_changed:${key}`,
    occurredAt: at,
    payload: {
      leadId: change.leadId,
      leadName: change.leadName,
      kind: change.kind,
      fromUserId: change.fromUserId,
      toUserId: change.to.ownerUserId,
      teamId,
      inPool: change.to.inPool,
      reason: change.reason,
      ...(change.note !== undefined ? { note: change.note } : {}),
      ...(change.byName !== undefined ? { byName: change.byName } : {}),
      ...(change.followUpHours !== undefined ? { followUpHours: change.followUpHours } : {}),
    },
  });
}
