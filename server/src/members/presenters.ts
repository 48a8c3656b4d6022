import type { EntityManager } from 'typeorm';
import { isoOrNull } from '../util/time';
import type { Member } from './member.entity';
import { grantsOf, namesFor } from './profile';
import type { Store } from './store.entity';

/**
 * A member as the mini-program sees themselves (GET /api/mp/me, login, refresh): who they are,
 * their roles, their store, the teams they work in and the teams they manage.
 */
export async function presentMpMember(manager: EntityManager, member: Member) {
  const grants = (await grantsOf(manager, [member.userId])).get(member.userId)!;
  const names = await namesFor(manager, [...grants.teamIds, ...grants.managedTeamIds], member.storeId === null ? [] : [member.storeId]);
  return {
    userId: member.userId,
    name: member.name,
    roles: grants.roles,
    store: names.store(member.storeId),
    teams: grants.teamIds.map(names.team),
    managedTeams: grants.managedTeamIds.map(names.team),
  };
}

/** Members as the admin API lists them: the mini-program's view plus WeCom's departments and status. */
export async function presentAdminMembers(manager: EntityManager, members: Member[]) {
  const grants = await grantsOf(manager, members.map((m) => m.userId));
  const all = [...grants.values()];
  const names = await namesFor(
    manager,
    all.flatMap((g) => [...g.teamIds, ...g.managedTeamIds]),
    members.flatMap((m) => (m.storeId === null ? [] : [m.storeId])),
  );
  return members.map((member) => {
    const g = grants.get(member.userId)!;
    return {
      userId: member.userId,
      name: member.name,
      departmentIds: member.departmentIds,
      status: member.status,
      roles: g.roles,
      store: names.store(member.storeId),
      teams: g.teamIds.map(names.team),
      managedTeams: g.managedTeamIds.map(names.team),
      syncedAt: isoOrNull(member.syncedAt),
      createdAt: isoOrNull(member.createdAt),
    };
  });
}

export function presentStore(store: Store) {
  return { id: store.id, name: store.name, tagName: store.tagName, createdAt: isoOrNull(store.createdAt) };
}
