import type { MemberActor } from '../members/member-actor';
import { forbidden, hasRole, hidden, PolicyActor, ScopeSql, seesEverything } from './actor';

/**
 * Store entries (a walk-in customer a clerk enters at the counter). The rules (issue 10):
 * - store staff create entries for their own store (the one on their member profile), and see
 *   only the entries they made themselves — not a colleague's at the same counter;
 * - the admin token and members with the admin role see every entry;
 * - for everyone else entries do not exist: 404, the same as an id nobody has.
 * The lead an entry becomes is a lead like any other: the lead policy (lead.ts) decides who sees it.
 */

/** What the policy needs to know about an entry. */
export interface EntryFacts {
  /** The member who entered it. */
  createdByUserId: string;
  storeId: number;
}

export function canSeeEntry(actor: PolicyActor, entry: EntryFacts): boolean {
  if (seesEverything(actor)) return true;
  return actor.kind === 'member' && hasRole(actor, 'store_staff') && entry.createdByUserId === actor.userId;
}

/** The entry, if the actor may see it; else 404 exactly like an entry that does not exist. */
export function authorizeEntry<T extends EntryFacts>(actor: PolicyActor, entry: T | null): T {
  if (!entry || !canSeeEntry(actor, entry)) throw hidden('记录');
  return entry;
}

/**
 * Who may enter a customer, and for which store: store staff, for the store on their profile.
 * Not store staff: 404 (the route is not theirs). Store staff without a store: 403, with what to do.
 */
export function storeForNewEntry(actor: PolicyActor): { userId: string; storeId: number } {
  if (actor.kind !== 'member' || !hasRole(actor, 'store_staff')) throw hidden('记录');
  const member: MemberActor = actor;
  if (member.storeId === null) throw forbidden('您的账号尚未绑定门店，请联系管理员');
  return { userId: member.userId, storeId: member.storeId };
}

/**
 * Which entries a list may return, as SQL: the actor's own (`createdByColumn` names the column
 * holding who entered it, e.g. "e.created_by_user_id"), or all for admins; 404 for anyone else.
 */
export function entryListSql(actor: PolicyActor, createdByColumn: string): ScopeSql {
  if (seesEverything(actor)) return { sql: '1 = 1', params: {} };
  if (actor.kind !== 'member' || !hasRole(actor, 'store_staff')) throw hidden('记录');
  return { sql: `${createdByColumn} = :entryCreatedBy`, params: { entryCreatedBy: actor.userId } };
}
