import type { EntityManager } from 'typeorm';
import { TeamMember } from '../teams/team-member.entity';
import type { MemberActor } from './member-actor';

/**
 * The MemberActor a signed-in WeCom member acts as. Until members and roles are stored, every
 * signed-in member is a rep, with no store, in the teams team_member lists them in.
 */
export async function loadMemberActor(manager: EntityManager, userId: string): Promise<MemberActor> {
  const memberships = await manager.find(TeamMember, { where: { userId, active: true }, order: { teamId: 'ASC' } });
  return { kind: 'member', userId, roles: ['rep'], storeId: null, teamIds: memberships.map((m) => m.teamId), managedTeamIds: [] };
}
