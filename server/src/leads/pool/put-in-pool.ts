import type { EntityManager } from 'typeorm';
import { Lead } from '../lead.entity';
import { LeadAssignment } from '../lead-assignment.entity';
import { addTimelineEntry } from '../timeline';

/**
 * An ownerless lead that assignment could not place goes to the pool for reps to claim. Only if
 * it is still ownerless and out of the pool (one conditional UPDATE), so a rep who got it in the
 * meantime keeps it. Returns whether it moved.
 */
export async function putInPool(
  manager: EntityManager,
  input: { leadId: number; teamId: number | null; reason: string; dedupKey: string; now?: number },
): Promise<boolean> {
  const now = input.now ?? Date.now();
  const moved = await manager
    .createQueryBuilder()
    .update(Lead)
    .set({ inPool: true, poolSince: now, teamId: input.teamId, updatedAt: now })
    .where('id = :id AND owner_user_id IS NULL AND in_pool = 0 AND merged_into_id IS NULL', { id: input.leadId })
    .execute();
  if (!moved.affected) return false;
  await manager.insert(LeadAssignment, {
    leadId: input.leadId,
    kind: 'released',
    fromUserId: null,
    toUserId: null,
    teamId: input.teamId,
    reason: input.reason.slice(0, 255),
    createdAt: now,
  });
  await addTimelineEntry(manager, {
    leadId: input.leadId,
    kind: 'pool.entered',
    summary: `线索进入公海：${input.reason}`,
    data: { teamId: input.teamId },
    dedupKey: input.dedupKey,
    occurredAt: now,
  });
  return true;
}
