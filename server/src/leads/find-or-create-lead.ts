import { Brackets, EntityManager } from 'typeorm';
import { normalizePhone } from '../capture/contact-fields';
import { isUniqueViolation } from '../db/data-source';
import { Lead } from './lead.entity';
import { mergeLeads, MergeReason } from './merge/merge-leads';

export interface LeadIdentity {
  externalUserId: string;
  unionid?: string | null;
  /** Mobiles the rep noted on the contact (follow_user.remark_mobiles). */
  phones?: string[] | null;
}

export interface LeadSeed {
  name?: string;
  avatar?: string | null;
  contactType?: number | null;
  gender?: number | null;
  corpName?: string | null;
  ownerUserId?: string | null;
  channelId?: number | null;
  source: string;
  addWay?: number | null;
  occurredAt: number;
}

/**
 * Live leads that are this customer by another key: the same unionid (any lead), or a remark
 * mobile equal to the phone of a lead that has no WeCom contact yet (a form, import or store
 * lead). A phone never joins two WeCom contacts: reps type shared numbers into remarks.
 */
async function samePersonLeads(manager: EntityManager, identity: LeadIdentity, phones: string[], exceptId: number | null): Promise<Lead[]> {
  if (!identity.unionid && !phones.length) return [];
  const qb = manager.getRepository(Lead).createQueryBuilder('lead').where('lead.merged_into_id IS NULL');
  if (exceptId !== null) qb.andWhere('lead.id <> :exceptId', { exceptId });
  qb.andWhere(
    new Brackets((or) => {
      if (identity.unionid) or.orWhere('lead.unionid = :unionid', { unionid: identity.unionid });
      if (phones.length) or.orWhere('(lead.phone IN (:...phones) AND lead.external_user_id IS NULL)', { phones });
    }),
  );
  return qb.orderBy('lead.id', 'ASC').getMany();
}

/** Folds all leads of one customer into the oldest; returns it as it is afterwards. */
async function absorbDuplicates(manager: EntityManager, leads: Lead[], identity: LeadIdentity, phones: string[]): Promise<Lead> {
  const matchedBy = (l: Lead): MergeReason =>
    identity.unionid && l.unionid === identity.unionid ? 'unionid' : l.phone && phones.includes(l.phone) ? 'phone' : 'external_user_id';
  const sorted = [...leads].sort((a, b) => a.id - b.id);
  const [kept, ...others] = sorted;
  let result = kept;
  for (const other of others) {
    const reason = matchedBy(other) !== 'external_user_id' ? matchedBy(other) : matchedBy(kept);
    result = await mergeLeads(manager, kept.id, other.id, reason);
  }
  return result;
}

/**
 * The lead for a WeCom customer: same external_userid → same lead; otherwise the lead of the
 * same person found by unionid or remark mobile (the id is attached to it if it has none);
 * otherwise a new lead. When both exist (e.g. a form lead and this contact's lead), they are
 * merged into the older one, which is returned. Returns whether it was created, so callers
 * write "new lead" entries once.
 */
export async function findOrCreateLead(
  manager: EntityManager,
  identity: LeadIdentity,
  seed: LeadSeed,
): Promise<{ lead: Lead; created: boolean }> {
  const repo = manager.getRepository(Lead);
  const phones = [...new Set((identity.phones ?? []).map((p) => normalizePhone(p).phone).filter((p): p is string => !!p))];
  const existing = await repo.findOneBy({ externalUserId: identity.externalUserId });
  const samePerson = await samePersonLeads(manager, identity, phones, existing?.id ?? null);
  if (existing) {
    if (!samePerson.length) return { lead: existing, created: false };
    return { lead: await absorbDuplicates(manager, [existing, ...samePerson], identity, phones), created: false };
  }
  if (samePerson.length) {
    const lead = samePerson.length > 1 ? await absorbDuplicates(manager, samePerson, identity, phones) : samePerson[0];
    if (!lead.externalUserId) {
      lead.externalUserId = identity.externalUserId;
      await repo.update({ id: lead.id }, { externalUserId: identity.externalUserId });
    }
    return { lead, created: false };
  }
  const lead = repo.create({
    externalUserId: identity.externalUserId,
    unionid: identity.unionid ?? null,
    name: seed.name ?? '',
    avatar: seed.avatar ?? null,
    contactType: seed.contactType ?? null,
    gender: seed.gender ?? null,
    corpName: seed.corpName ?? null,
    phone: null,
    ownerUserId: seed.ownerUserId ?? null,
    channelId: seed.channelId ?? null,
    source: seed.source,
    addWay: seed.addWay ?? null,
    stage: 'new',
    score: 0,
    createdAt: seed.occurredAt,
    updatedAt: seed.occurredAt,
    lastInteractionAt: seed.occurredAt,
  });
  try {
    await repo.insert(lead);
  } catch (error) {
    // Another worker created it between our read and insert (a group join racing an add).
    if (!isUniqueViolation(error)) throw error;
    const winner = await repo.findOneByOrFail({ externalUserId: identity.externalUserId });
    return { lead: winner, created: false };
  }
  return { lead, created: true };
}
