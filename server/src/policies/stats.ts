import type { EntityManager } from 'typeorm';
import { hasRole, hidden, membersOfManagedTeams, PolicyActor, seesEverything } from './actor';

/**
 * Who may read lead stats, over which leads. The rules (issue 10): a manager reads the stats of
 * their teams — the leads owned by members of the teams they manage, and those members' response
 * times; the admin token and members with the admin role read the whole corp; for everyone else
 * the stats do not exist (404).
 */
export type StatsScope = { all: true } | { all: false; owners: readonly string[] };

export async function statsScopeOf(manager: EntityManager, actor: PolicyActor): Promise<StatsScope> {
  if (seesEverything(actor)) return { all: true };
  if (actor.kind !== 'member' || !hasRole(actor, 'manager')) throw hidden('记录');
  return { all: false, owners: [...(await membersOfManagedTeams(manager, actor))].sort() };
}
