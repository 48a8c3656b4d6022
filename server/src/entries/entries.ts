import type { EntityManager } from 'typeorm';
import type { AppContext } from '../context';
import { captureLead } from '../capture/capture-lead';
import { normalizePhone } from '../capture/contact-fields';
import { publishEvent } from '../events/publish';
import { badRequest } from '../http/errors';
import { enqueueJobs, PRIORITY } from '../jobs/enqueue';
import type { MarkTagPayload } from '../leads/jobs/mark-tag-job';
import { LeadRelation } from '../leads/lead-relation.entity';
import { LeadTag } from '../leads/lead-tag.entity';
import { addLeadTags } from '../leads/lead-tags';
import { leadTaggedEvent } from '../leads/tags/lead-tagged-event';
import { maskPhone } from '../leads/presenters';
import { Store } from '../members/store.entity';
import { forbidden, type PolicyActor } from '../policies/actor';
import { entryListSql, storeForNewEntry } from '../policies/entry';
import { cstDate, cstDayStart } from '../util/china-time';
import { DAY_MS } from '../util/time';
import { currentConsent } from './consent';
import { StoreEntry } from './store-entry.entity';

const CN_MOBILE = /^1[3-9]\d{9}$/;

/** What a clerk sends: checked here, field by field, so every refusal is a Chinese sentence. */
export interface EntryInput {
  name: string;
  phone: string;
}

/** An entry as the mini-program shows it: the phone masked (the clerk typed it; nobody reads it back). */
export function presentEntry(entry: StoreEntry, store: Pick<Store, 'id' | 'name'>) {
  return {
    id: entry.id,
    name: entry.name,
    phone: maskPhone(entry.phone),
    store: { id: store.id, name: store.name },
    leadId: entry.leadId,
    createdAt: new Date(entry.createdAt).toISOString(),
    duplicate: entry.duplicate,
  };
}

const fieldError = (field: string, message: string) => badRequest(message, { field });

/**
 * The body of POST /api/mp/entries, validated: a name (1–64 characters), a mainland mobile
 * (normalised as forms do: spaces, dashes, +86 removed), `consent: true`, and the version of the
 * consent text in force now. Anything else is 400 with what the clerk should do.
 */
export function parseEntryBody(body: unknown, consentVersion: string): EntryInput {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('请求格式不正确');
  const b = body as Record<string, unknown>;
  const name = typeof b.name === 'string' ? b.name.trim() : '';
  if (!name) throw fieldError('name', '请填写姓名');
  if ([...name].length > 64) throw fieldError('name', '姓名不能超过 64 个字');
  const { phone } = typeof b.phone === 'string' ? normalizePhone(b.phone) : { phone: null };
  if (!phone || !CN_MOBILE.test(phone)) throw fieldError('phone', '请填写正确的 11 位手机号');
  if (b.consent !== true) throw fieldError('consent', '请先请顾客阅读并勾选同意授权');
  if (b.consentVersion !== consentVersion) throw fieldError('consentVersion', '授权书已更新，请刷新后重新勾选');
  return { name, phone };
}

/**
 * Command: a clerk enters a walk-in customer for their store (the policy says who may and which
 * store). One transaction:
 * - the entry row, with the consent text and version the customer agreed to;
 * - the lead, through captureLead (source `store`): found by phone or created. The phone is a
 *   clerk's typing, a hint and not a proof, so the entry may land on one existing lead but never
 *   merges two (`mayMerge: false`, as for a web form): two leads sharing the phone stay on the
 *   duplicates list for a person to decide;
 * - the store's tag on the lead; for a lead that is a WeCom contact, `mark_tag` jobs put the
 *   corp tag on it in WeCom for every rep who has the customer (they record the tag with its
 *   WeCom id once WeCom has it); lead.tagged when the lead did not have the tag;
 * - lead.captured, without an owner: a new lead goes through assignment (assign-captured).
 */
export async function createEntry(app: AppContext, actor: PolicyActor, body: unknown) {
  const { userId, storeId } = storeForNewEntry(actor);
  const consent = currentConsent(app.config);
  const input = parseEntryBody(body, consent.version);
  const result = await app.dataSource.transaction(async (manager) => {
    const store = await manager.findOneBy(Store, { id: storeId });
    if (!store) throw forbidden('您的账号尚未绑定门店，请联系管理员');
    const now = Date.now();
    // The row exists before the lead is known so its id can key the capture.
    const inserted = await manager.insert(StoreEntry, {
      storeId,
      createdByUserId: userId,
      leadId: 0,
      name: input.name,
      phone: input.phone,
      consentVersion: consent.version,
      consentText: consent.text,
      duplicate: false,
      createdAt: now,
    });
    const entryId = Number(inserted.identifiers[0].id);
    const key = `entry:${entryId}`;
    const { lead, created } = await captureLead(manager, {
      source: 'store',
      key,
      occurredAt: now,
      identity: { phone: input.phone },
      profile: { name: input.name },
      isInteraction: true,
      mayMerge: false,
      timeline: (isNew) => ({
        kind: 'store.entry',
        summary: `${isNew ? '新线索：' : ''}门店「${store.name}」店员 ${userId} 录入了会员`,
        data: { entryId, storeId, storeName: store.name, by: userId, phone: maskPhone(input.phone), consentVersion: consent.version },
        dedupKey: `${key}:timeline`,
      }),
      activity: { kind: 'store_visit', value: store.name, data: { storeId }, dedupKey: `${key}:activity` },
    });
    const entry = { id: entryId, storeId, createdByUserId: userId, leadId: lead.id, name: input.name, phone: input.phone, consentVersion: consent.version, consentText: consent.text, duplicate: !created, createdAt: now };
    await manager.update(StoreEntry, { id: entryId }, { leadId: lead.id, duplicate: !created });
    await tagWithStore(manager, { leadId: lead.id, externalUserId: lead.externalUserId, isNewLead: created }, store, key, now);
    return presentEntry(entry, store);
  });
  app.kick();
  return result;
}

/**
 * The store's tag on the lead: here for a lead outside WeCom; through WeCom (mark_tag per rep) for
 * a contact. Either way the lead gets it now, as far as nurture is concerned: lead.tagged is
 * published here (keyed by the entry) when the lead did not have the tag, not when a mark_tag
 * job records it later.
 */
async function tagWithStore(
  manager: EntityManager,
  lead: { leadId: number; externalUserId: string | null; isNewLead: boolean },
  store: Store,
  key: string,
  at: number,
): Promise<void> {
  const { leadId, externalUserId } = lead;
  const hadTag = !lead.isNewLead && (await manager.exists(LeadTag, { where: { leadId, name: store.tagName } }));
  if (!hadTag) await publishEvent(manager, leadTaggedEvent({ leadId, tags: [store.tagName], source: 'store', cause: key, at }));
  const relations = externalUserId ? await manager.find(LeadRelation, { where: { leadId, status: 'active' }, order: { id: 'ASC' } }) : [];
  if (!externalUserId || !relations.length) {
    // Without a WeCom id: the WeCom tag sync leaves it alone. A tag the lead has is kept as it is.
    await addLeadTags(manager, [{ leadId, name: store.tagName, tagId: null, source: 'store' }]);
    return;
  }
  await enqueueJobs(
    manager,
    relations.map((relation) => {
      const payload: MarkTagPayload = { leadId, userId: relation.userId, externalUserId, tagNames: [store.tagName], source: `store:${store.id}` };
      return { kind: 'mark_tag', dedupKey: `${key}:tag:${relation.userId}`, payload: { ...payload }, priority: PRIORITY.tagging };
    }),
  );
}

/** YYYY-MM-DD that is a real calendar date. */
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** GET /api/mp/entries: the actor's own entries of one Shanghai day (default today), newest first. */
export async function listEntries(app: AppContext, actor: PolicyActor, query: Record<string, unknown>) {
  const unknown = Object.keys(query).filter((k) => k !== 'day');
  if (unknown.length) throw badRequest(`不支持的查询参数：${unknown.join('、')}`);
  const day = query.day === undefined ? cstDate(Date.now()) : query.day;
  if (typeof day !== 'string' || !DAY.test(day) || Number.isNaN(cstDayStart(day)) || cstDate(cstDayStart(day)) !== day) {
    throw badRequest('日期格式应为 YYYY-MM-DD', { field: 'day' });
  }
  const scope = entryListSql(actor, 'e.created_by_user_id');
  const from = cstDayStart(day);
  const rows = await app.dataSource
    .getRepository(StoreEntry)
    .createQueryBuilder('e')
    .where(scope.sql, scope.params)
    .andWhere('e.created_at >= :from AND e.created_at < :to', { from, to: from + DAY_MS })
    .orderBy('e.created_at', 'DESC')
    .addOrderBy('e.id', 'DESC')
    .limit(500)
    .getMany();
  const storeIds = [...new Set(rows.map((r) => r.storeId))];
  const stores = storeIds.length ? await app.dataSource.getRepository(Store).createQueryBuilder('s').where('s.id IN (:...ids)', { ids: storeIds }).getMany() : [];
  const byId = new Map(stores.map((s) => [s.id, s]));
  return { items: rows.map((r) => presentEntry(r, byId.get(r.storeId) ?? { id: r.storeId, name: '' })) };
}
