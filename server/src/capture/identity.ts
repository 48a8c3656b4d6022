import type { EntityManager } from 'typeorm';
import { Lead } from '../leads/lead.entity';
import type { MergeReason } from '../leads/merge/merge-leads';

/** What identifies a person across capture paths, normalised (capture/contact-fields.ts). */
export interface IdentityKeys {
  externalUserId: string | null;
  unionid: string | null;
  /** The person's phone, and any mobiles a rep noted on the WeCom contact (remark_mobiles). */
  phones: string[];
  email: string | null;
}

export interface IdentityMatch {
  lead: Lead;
  /** The surest key it matched by: a WeCom id, then unionid, phone, email. */
  reason: MergeReason;
}

export interface Resolution {
  /** The lead this person is, if any: the oldest match. */
  keeper: Lead | null;
  /** Other leads proved to be the same person, to be merged into the keeper. */
  toMerge: IdentityMatch[];
}

const RANK: Record<MergeReason, number> = { external_user_id: 0, unionid: 1, phone: 2, email: 3, manual: 4 };

function reasonFor(lead: Lead, keys: IdentityKeys): MergeReason {
  if (keys.externalUserId && lead.externalUserId === keys.externalUserId) return 'external_user_id';
  if (keys.unionid && lead.unionid === keys.unionid) return 'unionid';
  if (lead.phone && keys.phones.includes(lead.phone)) return 'phone';
  return 'email';
}

/**
 * The live lead that lead `id` is, following merge chains (a merged lead is never the answer, but
 * what it knew still identifies the person). `lock`: read with FOR UPDATE, which on MySQL also
 * sees rows committed after the transaction's snapshot. Null when the chain breaks or runs long.
 */
export async function followMerges(manager: EntityManager, id: number, lock = false): Promise<Lead | null> {
  let current = id;
  for (let hops = 0; hops < 10; hops++) {
    const lead = await manager.findOne(Lead, { where: { id: current }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    if (!lead) return null;
    if (lead.mergedIntoId === null) return lead;
    current = lead.mergedIntoId;
  }
  return null;
}

/**
 * The one identity resolution every capture path uses. Finds the leads that are this person —
 * same WeCom external_userid, same unionid, same phone, same email — in one query, following
 * merge chains, and decides which survives (the oldest) and which are merged into it.
 *
 * A WeCom id or a unionid is proof; a phone or an email is only a hint (reps type shared office
 * numbers into remarks; forms get typos). So the group is built from the proofs first, and a
 * hint may add a lead only if that cannot join two WeCom contacts:
 * - a hinted lead with no WeCom id, or with the WeCom id the group already has, joins;
 * - when the group has no WeCom id yet, hints may bring in exactly one contact; if they point at
 *   two or more different contacts, none of those joins (the pairs stay on the duplicates list,
 *   GET /api/admin/leads/duplicates, for a person to decide).
 */
export async function resolveIdentity(manager: EntityManager, keys: IdentityKeys): Promise<Resolution> {
  const clauses: string[] = [];
  const params: Record<string, unknown> = {};
  if (keys.externalUserId) {
    clauses.push('lead.external_user_id = :externalUserId');
    params.externalUserId = keys.externalUserId;
  }
  if (keys.unionid) {
    clauses.push('lead.unionid = :unionid');
    params.unionid = keys.unionid;
  }
  if (keys.phones.length) {
    clauses.push('lead.phone IN (:...phones)');
    params.phones = keys.phones;
  }
  if (keys.email) {
    clauses.push('lead.email = :email');
    params.email = keys.email;
  }
  if (!clauses.length) return { keeper: null, toMerge: [] };
  const found = await manager.getRepository(Lead).createQueryBuilder('lead').where(clauses.join(' OR '), params).orderBy('lead.id', 'ASC').getMany();

  const matches: IdentityMatch[] = [];
  for (const hit of found) {
    const reason = reasonFor(hit, keys);
    const lead = hit.mergedIntoId === null ? hit : await followMerges(manager, hit.mergedIntoId);
    if (!lead) continue;
    const known = matches.find((m) => m.lead.id === lead.id);
    if (known) {
      if (RANK[reason] < RANK[known.reason]) known.reason = reason;
      continue;
    }
    matches.push({ lead, reason });
  }

  const proofs = matches.filter((m) => m.reason === 'external_user_id' || m.reason === 'unionid');
  const hints = matches.filter((m) => m.reason === 'phone' || m.reason === 'email');
  const contacts = new Set<string>([keys.externalUserId, ...proofs.map((m) => m.lead.externalUserId)].filter((id): id is string => !!id));
  const hintedContacts = new Set(hints.map((m) => m.lead.externalUserId).filter((id): id is string => !!id && !contacts.has(id)));
  // With no contact yet, a single contact the hints point at may join; two or more: none.
  const admissible = contacts.size === 0 && hintedContacts.size === 1 ? hintedContacts : new Set<string>();
  const group = [
    ...proofs,
    ...hints.filter((m) => !m.lead.externalUserId || contacts.has(m.lead.externalUserId) || admissible.has(m.lead.externalUserId)),
  ].sort((a, b) => a.lead.id - b.lead.id);
  if (!group.length) return { keeper: null, toMerge: [] };
  const [first, ...rest] = group;
  const toMerge = rest
    // The newer lead holds the WeCom id: what proved it is the same person is how the keeper matched.
    .map((m) => (m.reason === 'external_user_id' ? { ...m, reason: first.reason } : m));
  return { keeper: first.lead, toMerge };
}
