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
    return { lead: await adoptConcurrentLead(manager, identity.externalUserId), created: false };
  }
  return { lead, created: true };
}

/**
 * The lead another transaction committed while ours was between its read and its insert.
 *
 * On MySQL (REPEATABLE READ) plain reads in our transaction come from a snapshot taken before
 * that commit: a re-read finds nothing, and so would the caller's later reads of the lead (save()
 * reads the row before writing it, and would then try to INSERT it). A locking read (FOR UPDATE)
 * would see the row, but leaves the snapshot as it is, so the caller's save() would still fail.
 * An UPDATE, though, always works on the newest committed row, and InnoDB shows a transaction
 * the rows it changed itself. So the row is taken over with an UPDATE that changes it for sure
 * (updated_at moves forward, by at least 1 ms: the caller is about to add to the lead anyway);
 * from then on every read in this transaction sees it. The row lock is held until commit, as any
 * write to the lead would. Restarting the transaction would work as well, but the transaction is
 * the caller's, and it may have made WeCom calls before it. On SQLite one connection runs one
 * transaction at a time, so the race does not arise there; the same two statements serve.
 */
async function adoptConcurrentLead(manager: EntityManager, externalUserId: string): Promise<Lead> {
  const now = Date.now();
  await manager
    .createQueryBuilder()
    .update(Lead)
    .set({ updatedAt: () => 'CASE WHEN updated_at < :now THEN :now ELSE updated_at + 1 END' })
    .where('external_user_id = :externalUserId', { externalUserId })
    .setParameter('now', now)
    .execute();
  return manager.getRepository(Lead).findOneByOrFail({ externalUserId });
}
