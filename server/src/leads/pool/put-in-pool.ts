import type { EntityManager } from 'typeorm';
import type { Lead } from '../lead.entity';
import { changeOwner } from '../ownership/change-owner';

/**
 * An ownerless lead that assignment could not place goes to the pool for reps to claim. Only if
 * it is still ownerless and out of the pool (re-checked by changeOwner's conditional UPDATE), so
 * a rep who got it in the meantime keeps it. Returns whether it moved.
 */
export function putInPool(
  manager: EntityManager,
  input: { lead: Pick<Lead, 'id' | 'name'>; teamId: number | null; reason: string; dedupKey: string; now?: number },
): Promise<boolean> {
  return changeOwner(manager, {
    leadId: input.lead.id,
    leadName: input.lead.name,
    kind: 'pooled',
    expect: { ownerUserId: null, inPool: false },
    to: { ownerUserId: null, inPool: true, teamId: input.teamId },
    fromUserId: null,
    reason: input.reason,
    timeline: { kind: 'pool.entered', summary: `线索进入公海：${input.reason}`, data: { teamId: input.teamId } },
    key: input.dedupKey,
    at: input.now,
  });
}
