import { EntityManager } from 'typeorm';
import { requestAssignment } from '../leads/assignment/request-assignment';
import { Lead } from '../leads/lead.entity';
import { mergeLeads, MergeReason } from '../leads/merge/merge-leads';
import { maskPhone } from '../leads/presenters';
import { recordActivity } from '../leads/scoring/record-activity';
import { addTimelineEntry } from '../leads/timeline';
import { FieldProblem, normalizeIdentity } from './contact-fields';

export type CaptureSource = 'form' | 'import';

export interface ContactInfo {
  name?: string | null;
  phone?: string | null;
  email?: string | null;
  unionid?: string | null;
  externalUserId?: string | null;
  corpName?: string | null;
  attributes?: Record<string, string | number | boolean> | null;
  source: CaptureSource;
  /** Form key or import source name: shown in the timeline and stored on the activity. */
  sourceDetail?: string | null;
  /** A free-text message or note from the row or form, shown in the timeline. */
  note?: string | null;
  /** Extra data for the timeline entry (never a full phone number: the admin API shows it). */
  timelineData?: Record<string, unknown>;
  occurredAt?: number;
}

export interface UpsertResult {
  lead: Lead;
  created: boolean;
  /** Leads this submission proved to be the same person, merged into `lead`. */
  mergedLeadIds: number[];
}

export class InvalidContactError extends Error {
  constructor(public readonly problems: FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.code}`).join(', '));
    this.name = 'InvalidContactError';
  }
}

const ACTIVITY_KIND: Record<CaptureSource, string> = { form: 'form_submit', import: 'import' };

/** Matches in the order of how sure they are: a WeCom id, then unionid, phone, email. */
async function findMatches(manager: EntityManager, keys: { externalUserId: string | null; unionid: string | null; phone: string | null; email: string | null }) {
  const repo = manager.getRepository(Lead);
  const matches: Array<{ lead: Lead; reason: MergeReason }> = [];
  const probes: Array<[MergeReason, Partial<Record<'externalUserId' | 'unionid' | 'phone' | 'email', string>>]> = [];
  if (keys.externalUserId) probes.push(['external_user_id', { externalUserId: keys.externalUserId }]);
  if (keys.unionid) probes.push(['unionid', { unionid: keys.unionid }]);
  if (keys.phone) probes.push(['phone', { phone: keys.phone }]);
  if (keys.email) probes.push(['email', { email: keys.email }]);
  for (const [reason, where] of probes) {
    const found = await repo.find({ where, order: { id: 'ASC' } });
    for (const hit of found) {
      const lead = await liveLead(manager, hit);
      if (lead && !matches.some((m) => m.lead.id === lead.id)) matches.push({ lead, reason });
    }
  }
  return matches;
}

/**
 * A merged lead is never returned, but what it knew still identifies the person: a match on it
 * resolves to the lead it was merged into (following a chain of merges).
 */
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
 * The lead for a person who reached us through a web form or an import: found by
 * external_userid, unionid, phone or email (a merged lead stands for the lead it was merged
 * into), else created. Known
 * fields are never overwritten, only missing ones filled. When the details match several
 * leads, they are one person: all are merged into the oldest. Writes a timeline entry and an
 * activity keyed by `dedupKey`, so calling this again with the same key adds nothing twice.
 * A new lead without an owner is queued for assignment.
 */
export async function upsertLeadFromContactInfo(manager: EntityManager, info: ContactInfo, dedupKey: string): Promise<UpsertResult> {
  const { identity, problems } = normalizeIdentity(info);
  if (problems.length) throw new InvalidContactError(problems);
  const externalUserId = info.externalUserId?.trim() || null;
  const occurredAt = info.occurredAt ?? Date.now();
  const matches = await findMatches(manager, { externalUserId, ...identity });

  let lead: Lead;
  let created = false;
  const mergedLeadIds: number[] = [];
  if (matches.length) {
    const keepId = Math.min(...matches.map((m) => m.lead.id));
    const keeper = matches.find((m) => m.lead.id === keepId)!.lead;
    for (const match of matches) {
      if (match.lead.id === keepId) continue;
      // Two WeCom contacts are not joined on a phone or email alone (shared office numbers,
      // typos in remarks); that stays a candidate pair for a person to decide.
      const twoContacts = !!keeper.externalUserId && !!match.lead.externalUserId && keeper.externalUserId !== match.lead.externalUserId;
      if (twoContacts && (match.reason === 'phone' || match.reason === 'email')) continue;
      await mergeLeads(manager, keepId, match.lead.id, match.reason);
      mergedLeadIds.push(match.lead.id);
    }
    lead = await manager.findOneByOrFail(Lead, { id: keepId });
    const fill = fillMissing(lead, { ...identity, externalUserId, name: info.name, corpName: info.corpName, attributes: info.attributes });
    if (info.source === 'form') fill.lastInteractionAt = Math.max(lead.lastInteractionAt ?? 0, occurredAt);
    if (Object.keys(fill).length) {
      Object.assign(lead, fill, { updatedAt: Date.now() });
      await manager.update(Lead, { id: lead.id }, { ...fill, updatedAt: lead.updatedAt });
    }
  } else {
    lead = manager.create(Lead, {
      externalUserId,
      unionid: identity.unionid,
      phone: identity.phone,
      email: identity.email,
      name: (info.name ?? '').trim().slice(0, 128),
      corpName: info.corpName?.trim().slice(0, 128) || null,
      attributes: info.attributes && Object.keys(info.attributes).length ? info.attributes : null,
      ownerUserId: null,
      channelId: null,
      source: info.source,
      stage: 'new',
      score: 0,
      inPool: false,
      createdAt: occurredAt,
      updatedAt: occurredAt,
      lastInteractionAt: occurredAt,
    });
    await manager.insert(Lead, lead);
    created = true;
  }

  await addTimelineEntry(manager, {
    leadId: lead.id,
    kind: info.source === 'form' ? 'form.submitted' : 'import.row',
    summary: timelineSummary(info, created),
    data: {
      source: info.source,
      sourceDetail: info.sourceDetail ?? null,
      phone: maskPhone(identity.phone),
      mergedLeadIds,
      ...(info.note ? { note: info.note.slice(0, 500) } : {}),
      ...(info.timelineData ?? {}),
    },
    dedupKey: `${dedupKey}:timeline`,
    occurredAt,
  });
  await recordActivity(manager, {
    leadId: lead.id,
    kind: ACTIVITY_KIND[info.source],
    value: info.sourceDetail ?? null,
    dedupKey: `${dedupKey}:activity`,
    occurredAt,
  });
  if (created && !lead.ownerUserId) await requestAssignment(manager, lead.id, dedupKey);
  return { lead, created, mergedLeadIds };
}

function fillMissing(
  lead: Lead,
  incoming: { phone: string | null; email: string | null; unionid: string | null; externalUserId: string | null; name?: string | null; corpName?: string | null; attributes?: ContactInfo['attributes'] },
): Partial<Lead> {
  const fill: Partial<Lead> = {};
  if (!lead.phone && incoming.phone) fill.phone = incoming.phone;
  if (!lead.email && incoming.email) fill.email = incoming.email;
  if (!lead.unionid && incoming.unionid) fill.unionid = incoming.unionid;
  // Only if nobody holds it: the matches above would have found the holder otherwise.
  if (!lead.externalUserId && incoming.externalUserId) fill.externalUserId = incoming.externalUserId;
  const name = incoming.name?.trim();
  if (!lead.name && name) fill.name = name.slice(0, 128);
  const corpName = incoming.corpName?.trim();
  if (!lead.corpName && corpName) fill.corpName = corpName.slice(0, 128);
  if (incoming.attributes) {
    const current = lead.attributes ?? {};
    const added = Object.entries(incoming.attributes).filter(([k, v]) => !(k in current) && v !== '' && v !== null && v !== undefined);
    if (added.length) fill.attributes = { ...current, ...Object.fromEntries(added) };
  }
  return fill;
}

function timelineSummary(info: ContactInfo, created: boolean): string {
  const detail = info.sourceDetail ? `「${info.sourceDetail}」` : '';
  const note = info.note?.trim() ? `，${info.source === 'form' ? '留言' : '备注'}：${info.note.trim().slice(0, 200)}` : '';
  if (info.source === 'form') return `${created ? '新线索：' : ''}提交了网页表单${detail}${note}`;
  return created ? `新线索：从名单${detail}导入${note}` : `名单${detail}导入时匹配到该线索，已补充缺失的资料${note}`;
}
