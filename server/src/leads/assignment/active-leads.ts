import type { EntityManager } from 'typeorm';
import { Lead } from '../lead.entity';

/** Leads a rep is working: owned, not won or lost, not merged away. Caps count these. */
export async function activeLeadCounts(manager: EntityManager, userIds: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>(userIds.map((u) => [u, 0]));
  if (!userIds.length) return counts;
  const rows: Array<{ owner: string; n: string | number }> = await manager
    .getRepository(Lead)
    .createQueryBuilder('l')
    .select('l.owner_user_id', 'owner')
    .addSelect('COUNT(*)', 'n')
    .where('l.owner_user_id IN (:...userIds)', { userIds })
    .andWhere("l.stage NOT IN ('won', 'lost')")
    .andWhere('l.merged_into_id IS NULL')
    .groupBy('l.owner_user_id')
    .getRawMany();
  for (const row of rows) counts.set(row.owner, Number(row.n));
  return counts;
}

export async function activeLeadCount(manager: EntityManager, userId: string): Promise<number> {
  return (await activeLeadCounts(manager, [userId])).get(userId) ?? 0;
}
