import type { AppContext } from '../context';
import { isUniqueViolation } from '../db/data-source';
import { SchedulerLease } from './scheduler-lease.entity';

/** The slot key stored in scheduler_lease: the slot's start as an ISO instant, the same on every instance. */
export const slotKey = (slotStartedAt: number) => new Date(slotStartedAt).toISOString();

/**
 * Claims (task, slot) for this instance. The primary key (name, slot) lets exactly one insert
 * succeed however many instances fire the same slot; everyone else gets false and skips.
 */
export async function acquireSlot(ctx: AppContext, name: string, slotStartedAt: number): Promise<boolean> {
  try {
    await ctx.dataSource
      .createQueryBuilder()
      .insert()
      .into(SchedulerLease)
      .values({ name, slot: slotKey(slotStartedAt), owner: ctx.workerId.slice(0, 64), acquiredAt: Date.now() })
      .execute();
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

/** Deletes lease rows older than `maxAgeMs`; they only matter while their slot can still fire. */
export async function pruneLeases(ctx: AppContext, maxAgeMs: number, now = Date.now()): Promise<number> {
  const result = await ctx.dataSource
    .createQueryBuilder()
    .delete()
    .from(SchedulerLease)
    .where('acquired_at < :before', { before: now - maxAgeMs })
    .execute();
  return result.affected ?? 0;
}
