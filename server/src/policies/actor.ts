import { EntityManager, In } from 'typeorm';
import { HttpError } from '../http/errors';
import type { MemberActor, MemberRole } from '../members/member-actor';
import { TeamMember } from '../teams/team-member.entity';

/** The admin API's caller: the holder of ADMIN_TOKEN. */
export type AdminActor = { kind: 'admin' };

/** Whoever a policy is asked about: a signed-in member (mini-program) or the admin token. */
export type PolicyActor = MemberActor | AdminActor;

export const ADMIN_ACTOR: AdminActor = Object.freeze({ kind: 'admin' });

export const hasRole = (actor: PolicyActor, role: MemberRole): boolean => actor.kind === 'member' && actor.roles.includes(role);

/** The admin token, and members holding the admin role: every lead, every audit row, every team. */
export const seesEverything = (actor: PolicyActor): boolean => actor.kind === 'admin' || hasRole(actor, 'admin');

/** Members who work leads themselves: reps, and managers (who may hold leads too). */
export const worksLeads = (actor: PolicyActor): boolean => hasRole(actor, 'rep') || hasRole(actor, 'manager');

/** Who did it, as timeline data and audit rows keep it: the member's userid, or 'admin'. */
export const actorLabel = (actor: PolicyActor): string => (actor.kind === 'member' ? actor.userId : 'admin');

/** Who did it, as a timeline summary says it to reps. */
export const actorName = (actor: PolicyActor): string => (actor.kind === 'member' ? `成员 ${actor.userId}` : '管理员');

/**
 * What an actor may not see does not exist for them: the same 404 as an id nobody has, with one
 * message for both, so ids cannot be probed.
 */
export const hidden = (what: '线索' | '记录' | '客户' = '记录') => new HttpError(404, 'not_found', `${what}不存在或您无权查看`);

/** Something the actor may see but not do (a pool lead's phone before claiming it, …). */
export const forbidden = (message: string) => new HttpError(403, 'forbidden', message);

/**
 * The userids in the teams this manager manages (active or not: a member on leave still belongs
 * to the team, and so do their leads). Empty for anyone who manages no team.
 */
export async function membersOfManagedTeams(manager: EntityManager, actor: PolicyActor): Promise<Set<string>> {
  if (actor.kind !== 'member' || !actor.roles.includes('manager') || actor.managedTeamIds.length === 0) return new Set();
  const rows = await manager.find(TeamMember, { where: { teamId: In(actor.managedTeamIds) }, select: { userId: true } });
  return new Set(rows.map((r) => r.userId));
}

/** A SQL condition with its named parameters, to AND into a query builder's WHERE. */
export interface ScopeSql {
  sql: string;
  params: Record<string, unknown>;
}

/** A condition no row meets: what an empty scope reads as in SQL. */
export const NOTHING: ScopeSql = { sql: '1 = 0', params: {} };
