import type { EntityManager } from 'typeorm';
import { TeamMember } from './team-member.entity';

/**
 * The team a rep works a lead in: `preferred` (the lead's team) when the rep is an active
 * member of it, else the rep's first team, else `preferred` unchanged (reps outside teams).
 */
export async function teamForRep(manager: EntityManager, userId: string, preferred: number | null): Promise<number | null> {
  const memberships = await manager.find(TeamMember, { where: { userId, active: true }, order: { teamId: 'ASC' } });
  if (preferred != null && memberships.some((m) => m.teamId === preferred)) return preferred;
  return memberships[0]?.teamId ?? preferred;
}
