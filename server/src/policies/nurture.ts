import type { EntityManager } from 'typeorm';
import { Lead } from '../leads/lead.entity';
import { hidden, NOTHING, type PolicyActor, type ScopeSql, seesEverything, worksLeads } from './actor';
import type { LeadScope } from './lead';

/**
 * Who may read the sequences a lead can be enrolled in by hand: whoever may enroll some lead
 * (members who work leads, and admins; the lead policy's `nurture` action decides per lead).
 * Store staff have no leads: for them the list does not exist (404, as every list they have no
 * business with).
 */
export function authorizeHandSequences(actor: PolicyActor): void {
  if (!seesEverything(actor) && !worksLeads(actor)) throw hidden('记录');
}

/**
 * Whose nurture (enrollments, a sequence's funnel) an actor reads: everyone's for who sees
 * everything (undefined: no condition); otherwise the leads they may `nurture` by the lead
 * policy — their own and, for a manager, those owned by members of the teams they manage — as a
 * condition on the lead table (alias `l`). Members without leads (store staff): 404.
 */
export function nurtureLeadsSql(scope: LeadScope): ScopeSql | undefined {
  if (scope.all) return undefined;
  if (!worksLeads(scope.actor)) throw hidden('记录');
  const owners = new Set(scope.teamOwners);
  if (scope.self) owners.add(scope.self);
  if (owners.size === 0) return NOTHING;
  return { sql: 'l.owner_user_id IN (:...nurtureOwners)', params: { nurtureOwners: [...owners].sort() } };
}

/**
 * `column` (a lead id) is one of the leads `leads` allows, as a condition for another table's
 * query; no condition when `leads` is undefined. A subquery built by TypeORM, so the lead table's
 * name is quoted for each database.
 */
export function leadIdIn(manager: EntityManager, column: string, leads: ScopeSql | undefined): ScopeSql {
  if (!leads) return { sql: '1 = 1', params: {} };
  const sub = manager.getRepository(Lead).createQueryBuilder('l').select('l.id').where(leads.sql, leads.params);
  return { sql: `${column} IN (${sub.getQuery()})`, params: sub.getParameters() };
}
