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

/** A merged lead is never the answer, but what it knew still identifies the person: follow the chain. */
async function liveLead(manager: EntityManager, lead: Lead): Promise<Lead | null> {
  let current = lead;
  for (let hops = 0; current.mergedIntoId !== null; hops++) {
    const next = hops < 10 ? await manager.findOneBy(Lead, { id: current.mergedIntoId }) : null;
    if (!next) return null;
    current = next;
  }
  return current;
}

/**
 * The one identity resolution every capture path uses. Finds the leads that are this person —
 * same WeCom external_userid, same unionid, same phone, same email — in one query, following
 * merge chains, and decides which survives (the oldest) and which are merged into it. Two rules
 * keep shared numbers from joining strangers:
 * - a phone or email never makes a WeCom contact the lead of another WeCom contact (reps type
 *   shared office numbers into remarks; forms get typos);
 * - such a pair is left for a person to decide (GET /api/admin/leads/duplicates).
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
    const lead = hit.mergedIntoId === null ? hit : await liveLead(manager, hit);
    if (!lead) continue;
    const known = matches.find((m) => m.lead.id === lead.id);
    if (known) {
      if (RANK[reason] < RANK[known.reason]) known.reason = reason;
      continue;
    }
    matches.push({ lead, reason });
  }
  const weak = (m: IdentityMatch) => m.reason === 'phone' || m.reason === 'email';
  const otherContact = (a: Lead, b: string | null) => !!a.externalUserId && !!b && a.externalUserId !== b;
  // A WeCom contact arriving: a phone or email match on another contact's lead is not this person.
  const candidates = matches.filter((m) => !(weak(m) && otherContact(m.lead, keys.externalUserId))).sort((a, b) => a.lead.id - b.lead.id);
  if (!candidates.length) return { keeper: null, toMerge: [] };
  const [first, ...rest] = candidates;
  const keeper = first.lead;
  const toMerge = rest
    .filter((m) => !(weak(m) && otherContact(m.lead, keeper.externalUserId)))
    // The newer lead holds the WeCom id: what proved it is the same person is how the keeper matched.
    .map((m) => (m.reason === 'external_user_id' ? { ...m, reason: first.reason } : m));
  return { keeper, toMerge };
}
