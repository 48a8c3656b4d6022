import type { EntityManager } from 'typeorm';
import { hasRole, hidden, membersOfManagedTeams, NOTHING, PolicyActor, ScopeSql, seesEverything } from './actor';

/**
 * Who may read the audit log (who revealed which lead's number, who exported what). The rules
 * (issue 10): the admin token and members with the admin role read every row; a manager reads
 * the rows of their teams — rows whose actor is a member of a team they manage (or themselves),
 * or about a lead owned by such a member when it happened; for everyone else the log does not
 * exist (404).
 */
export interface AuditScope {
  all: boolean;
  userIds: ReadonlySet<string>;
}

/** What the policy needs to know about an audit row. */
export interface AuditFacts {
  actorUserId: string;
  leadOwnerUserId: string | null;
}

export async function auditScopeOf(manager: EntityManager, actor: PolicyActor): Promise<AuditScope> {
  if (seesEverything(actor)) return { all: true, userIds: new Set() };
  if (actor.kind !== 'member' || !hasRole(actor, 'manager')) throw hidden('记录');
  const userIds = await membersOfManagedTeams(manager, actor);
  userIds.add(actor.userId);
  return { all: false, userIds };
}

export function canSeeAuditRow(scope: AuditScope, row: AuditFacts): boolean {
  return scope.all || scope.userIds.has(row.actorUserId) || (row.leadOwnerUserId !== null && scope.userIds.has(row.leadOwnerUserId));
}

/** The rows a list may return, as SQL on the audit table (`alias`). */
export function auditListSql(scope: AuditScope, alias = 'a'): ScopeSql {
  if (scope.all) return { sql: '1 = 1', params: {} };
  if (scope.userIds.size === 0) return NOTHING;
  return {
    sql: `(${alias}.actor_user_id IN (:...auditUsers) OR ${alias}.lead_owner_user_id IN (:...auditUsers))`,
    params: { auditUsers: [...scope.userIds].sort() },
  };
}
