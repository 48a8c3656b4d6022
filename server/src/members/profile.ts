import { In, type EntityManager } from 'typeorm';
import { Team } from '../teams/team.entity';
import { TeamMember } from '../teams/team-member.entity';
import { ManagedTeam } from './managed-team.entity';
import { MEMBER_ROLES, type MemberActor, type MemberRole } from './member-actor';
import { MemberRoleRow } from './member-role.entity';
import type { Member } from './member.entity';
import { Store } from './store.entity';

/** What Xiansuo gives a member beyond WeCom's record: roles, teams worked in and managed. */
export interface MemberGrants {
  roles: MemberRole[];
  /** Teams the member works in (team_member, active rows). */
  teamIds: number[];
  managedTeamIds: number[];
}

/** Roles in one order everywhere (the order of MEMBER_ROLES). */
export const sortRoles = (roles: Iterable<MemberRole>): MemberRole[] => {
  const held = new Set(roles);
  return MEMBER_ROLES.filter((role) => held.has(role));
};

/** The grants of several members at once: three queries whatever their number. */
export async function grantsOf(manager: EntityManager, userIds: string[]): Promise<Map<string, MemberGrants>> {
  const grants = new Map<string, MemberGrants>(userIds.map((u) => [u, { roles: [], teamIds: [], managedTeamIds: [] }]));
  if (userIds.length === 0) return grants;
  const [roles, teams, managed] = await Promise.all([
    manager.find(MemberRoleRow, { where: { userId: In(userIds) } }),
    manager.find(TeamMember, { where: { userId: In(userIds), active: true }, order: { teamId: 'ASC' } }),
    manager.find(ManagedTeam, { where: { userId: In(userIds) }, order: { teamId: 'ASC' } }),
  ]);
  for (const r of roles) grants.get(r.userId)?.roles.push(r.role);
  for (const g of grants.values()) g.roles = sortRoles(g.roles);
  for (const t of teams) grants.get(t.userId)?.teamIds.push(t.teamId);
  for (const m of managed) grants.get(m.userId)?.managedTeamIds.push(m.teamId);
  return grants;
}

/** The MemberActor a signed-in member acts as: what every policy decides from. */
export async function memberActorOf(manager: EntityManager, member: Member): Promise<MemberActor> {
  const grants = (await grantsOf(manager, [member.userId])).get(member.userId)!;
  return { kind: 'member', userId: member.userId, roles: grants.roles, storeId: member.storeId, teamIds: grants.teamIds, managedTeamIds: grants.managedTeamIds };
}

/** Names for the ids member replies show: teams and stores. */
export async function namesFor(manager: EntityManager, teamIds: number[], storeIds: number[]) {
  const [teams, stores] = await Promise.all([
    teamIds.length ? manager.find(Team, { where: { id: In([...new Set(teamIds)]) } }) : [],
    storeIds.length ? manager.find(Store, { where: { id: In([...new Set(storeIds)]) } }) : [],
  ]);
  return {
    team: (id: number) => ({ id, name: teams.find((t) => t.id === id)?.name ?? '' }),
    store: (id: number | null) => {
      const store = id === null ? undefined : stores.find((s) => s.id === id);
      return store ? { id: store.id, name: store.name } : null;
    },
  };
}
