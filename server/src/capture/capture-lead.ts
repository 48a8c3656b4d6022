import type { EntityManager } from 'typeorm';
import { isMysql, isUniqueViolation } from '../db/data-source';
import { insertedId } from '../db/inserted-id';
import { publishEvents } from '../events/publish';
import type { CaptureSource, DomainEvent } from '../events/types';
import { Lead } from '../leads/lead.entity';
import { LeadRelation } from '../leads/lead-relation.entity';
import { mergeLeads } from '../leads/merge/merge-leads';
import { changeOwner } from '../leads/ownership/change-owner';
import type { ScoreResult } from '../leads/scoring/compute-score';
import { recordActivity, requestRescore, storedActivity } from '../leads/scoring/record-activity';
import { scoreNewLead } from '../leads/scoring/score-new-lead';
import { addTimelineEntries, TimelineInput } from '../leads/timeline';
import { normalizePhone } from './contact-fields';
import { followMerges, resolveIdentity } from './identity';
import type { ExternalContact, FollowUser } from '../wecom/dto';

type Attributes = Record<string, string | number | boolean>;

export interface CaptureLeadInput {
  source: CaptureSource;
  /** Keys what the capture writes: capturing again with the same key adds nothing twice. */
  key: string;
  occurredAt: number;
  identity: {
    externalUserId?: string | null;
    unionid?: string | null;
    /** Already normalised (forms and imports validate it first). */
    phone?: string | null;
    email?: string | null;
    /** Mobiles a rep noted on the WeCom contact: they identify, but are not the lead's phone. */
    remarkPhones?: string[] | null;
  };
  profile?: {
    name?: string | null;
    avatar?: string | null;
    contactType?: number | null;
    gender?: number | null;
    corpName?: string | null;
    attributes?: Attributes | null;
  };
  /** WeCom's own name and avatar replace ours; everything else only fills what the lead lacks. */
  profileIsAuthoritative?: boolean;
  /** Counts as the customer reaching out (an add, a join, a form), not a list someone imported. */
  isInteraction: boolean;
  /**
   * Whether what this capture proves may merge leads. Not for anonymous input (a public web
   * form): anyone could type one person's phone and another's email and join two strangers.
   * The capture then lands on the oldest match, and the rest stay on the duplicates list.
   */
  mayMerge?: boolean;
  /** The rep a customer added: owns the lead unless someone already does. */
  owner?: { userId: string; reason: string } | null;
  channel?: { id: number; name: string; tagNames: string[] } | null;
  addWay?: number | null;
  /** WeCom add: the customer's relation to the rep they added. */
  relation?: { userId: string; state: string | null; remark: string | null } | null;
  /** The capture's timeline entry, worded by the path, which knows what happened. */
  timeline: (created: boolean, mergedLeadIds: number[]) => { kind: string; summary: string; data?: Record<string, unknown>; dedupKey: string };
  /** Entries the path adds with the capture's own, in its INSERT (e.g. the welcome sent just before). */
  alsoOnTimeline?: Array<Omit<TimelineInput, 'leadId'>>;
  /** The behaviour signal scoring counts (channel, group_join, form_submit, import). */
  activity?: { kind: string; value?: string | null; data?: Record<string, unknown> | null; dedupKey: string } | null;
}

/**
 * A WeCom customer as a capture's identity and profile: what externalcontact/get said about them
 * (`contact`, possibly unavailable) and their relation to the rep (`follow`, whose remark may
 * carry their phone). WeCom's own name and avatar are authoritative.
 */
export function wecomContactCapture(
  externalUserId: string,
  contact: ExternalContact | undefined,
  follow: FollowUser | undefined,
): Pick<CaptureLeadInput, 'identity' | 'profile' | 'profileIsAuthoritative'> {
  return {
    identity: { externalUserId, unionid: contact?.unionid || null, remarkPhones: follow?.remark_mobiles },
    profile: {
      name: contact?.name,
      avatar: contact?.avatar ?? null,
      contactType: contact?.type ?? null,
      gender: contact?.gender ?? null,
      corpName: contact?.corp_name ?? null,
    },
    profileIsAuthoritative: true,
  };
}

export interface CaptureResult {
  lead: Lead;
  created: boolean;
  /** Leads this capture proved to be the same person, merged into `lead`. */
  mergedLeadIds: number[];
}

const clip = (s: string | null | undefined, n: number) => (s ? s.trim().slice(0, n) : '') || null;

/**
 * Command: a person reached us — by adding a rep in WeCom, joining a customer group, sending a
 * web form, or a row of an imported list — and this is their lead. Every capture path comes
 * through here, inside the caller's transaction:
 * - one identity resolution (capture/identity.ts): WeCom id, unionid, phone, email, merge chains;
 *   leads proved to be the same person are merged into the oldest;
 * - the lead created, or the fields it lacked filled (one UPDATE of the changed columns only);
 * - ownership by the rep the customer added (leads/ownership), the relation to that rep;
 * - the path's timeline entry and behaviour signal; a new lead's first score, in its INSERT;
 * - the `lead.captured` event: tagging, notices and assignment subscribe to it.
 */
export async function captureLead(manager: EntityManager, input: CaptureLeadInput): Promise<CaptureResult> {
  const phone = input.identity.phone ?? null;
  const remarkPhones = (input.identity.remarkPhones ?? []).map((p) => normalizePhone(p).phone).filter((p): p is string => !!p);
  const externalUserId = input.identity.externalUserId?.trim() || null;
  const keys = {
    externalUserId,
    unionid: input.identity.unionid || null,
    phones: [...new Set([...(phone ? [phone] : []), ...remarkPhones])],
    email: input.identity.email ?? null,
  };

  const resolution = await resolveIdentity(manager, keys);
  const toMerge = input.mayMerge === false ? [] : resolution.toMerge;
  const keeper = resolution.keeper && (await currentLiveLead(manager, resolution.keeper));
  const mergedLeadIds: number[] = [];
  let lead: Lead | null = keeper;
  for (const match of toMerge) {
    if (match.lead.id === keeper!.id) continue;
    lead = await mergeLeads(manager, keeper!.id, match.lead.id, match.reason);
    mergedLeadIds.push(match.lead.id);
  }

  let created = false;
  let scoredInInsert = false;
  if (!lead) {
    // A new lead is scored from what this capture knows, and the INSERT carries the score.
    const attributes = input.profile?.attributes && Object.keys(input.profile.attributes).length ? input.profile.attributes : null;
    const score = input.activity
      ? await scoreNewLead(manager, { attributes, createdAt: input.occurredAt }, { ...input.activity, occurredAt: input.occurredAt }, Date.now())
      : null;
    const inserted = await insertLead(manager, input, { ...keys, phone }, score);
    created = inserted.created;
    scoredInInsert = created && score !== null;
    lead = inserted.lead;
  }
  if (!created) await fillLead(manager, lead, input, { ...keys, phone });

  const events: DomainEvent[] = [];
  // A lead created with its owner gets no lead_assignment row and no lead.owner_changed: its
  // INSERT is the record (owner_user_id, assigned_at), lead.captured names the owner, and no
  // subscriber wants an owner change of kind 'added' (events/registry.ts).
  if (input.owner && !created && !lead.ownerUserId) {
    // A returning customer, or one first seen in a group or a form: the rep they added takes it,
    // from the pool too; the follow-up clock starts at the add.
    const taken = await changeOwner(manager, {
      leadId: lead.id,
      leadName: lead.name,
      kind: 'added',
      expect: { ownerUserId: null },
      to: { ownerUserId: input.owner.userId, inPool: false, assignedAt: input.occurredAt },
      fromUserId: null,
      reason: input.owner.reason,
      key: `${input.key}:owner`,
      at: input.occurredAt,
    });
    if (taken) Object.assign(lead, { ownerUserId: input.owner.userId, inPool: false, poolSince: null, assignedAt: input.occurredAt });
  }

  if (input.relation) await upsertRelation(manager, lead.id, input, created);

  const entry = input.timeline(created, mergedLeadIds);
  await addTimelineEntries(manager, [
    { leadId: lead.id, ...entry, occurredAt: input.occurredAt },
    ...(input.alsoOnTimeline ?? []).map((more) => ({ leadId: lead.id, ...more })),
  ]);
  if (input.activity) {
    const signal = storedActivity({ ...input.activity, occurredAt: input.occurredAt });
    if (created) {
      // The signal is the lead's capture_signal, written by its INSERT, not a lead_activity row:
      // scoring counts it as one more activity. A first score that was news (not in the INSERT)
      // is left to the re-score job, which announces it.
      if (!scoredInInsert) await requestRescore(manager, lead.id, signal.dedupKey ?? `${signal.kind}:${signal.occurredAt}`);
    } else if (!signal.dedupKey || lead.captureSignal?.dedupKey !== signal.dedupKey) {
      // (Skipped for the capture that created the lead, run again — a re-imported row: its
      // signal is on the lead already.)
      await recordActivity(manager, { leadId: lead.id, ...input.activity, occurredAt: input.occurredAt });
    }
  }

  events.push({
    name: 'lead.captured',
    key: `lead.captured:${input.key}`,
    occurredAt: input.occurredAt,
    payload: {
      leadId: lead.id,
      leadName: lead.name,
      created,
      source: input.source,
      ownerUserId: lead.ownerUserId,
      ...(input.relation ? { userId: input.relation.userId, externalUserId: externalUserId ?? undefined } : {}),
      channelId: input.channel?.id ?? null,
      channelName: input.channel?.name ?? null,
      channelTags: input.channel?.tagNames ?? [],
      cause: input.key,
    },
  });
  await publishEvents(manager, events);
  return { lead, created, mergedLeadIds };
}

/**
 * The lead to write to, as committed now. On MySQL the resolution read a snapshot (REPEATABLE
 * READ): another instance may since have merged the lead away, and writing to the tombstone
 * would strand the capture on it. A locking read sees the newest row (and holds it until commit);
 * a merged lead is followed to the one it became. On SQLite one connection runs one transaction
 * at a time, so the snapshot is current.
 */
async function currentLiveLead(manager: EntityManager, lead: Lead): Promise<Lead> {
  if (!isMysql(manager.connection)) return lead;
  const current = await followMerges(manager, lead.id, true);
  if (!current) throw new Error(`lead ${lead.id}: gone or its merge chain too long during capture`);
  return current;
}

async function insertLead(
  manager: EntityManager,
  input: CaptureLeadInput,
  keys: { externalUserId: string | null; unionid: string | null; phone: string | null; email: string | null },
  score: ScoreResult | null,
): Promise<{ lead: Lead; created: boolean }> {
  const p = input.profile ?? {};
  const at = input.occurredAt;
  const scored = score
    ? { score: score.score, grade: score.grade, qualification: score.qualification, scoreBreakdown: score.breakdown, scoredAt: Date.now() }
    : { score: 0 };
  const lead = manager.create(Lead, {
    externalUserId: keys.externalUserId,
    unionid: keys.unionid,
    phone: keys.phone,
    email: keys.email,
    name: clip(p.name, 128) ?? '',
    avatar: p.avatar ?? null,
    contactType: p.contactType ?? null,
    gender: p.gender ?? null,
    corpName: clip(p.corpName, 128),
    attributes: p.attributes && Object.keys(p.attributes).length ? p.attributes : null,
    ownerUserId: input.owner?.userId ?? null,
    assignedAt: input.owner ? at : null,
    channelId: input.channel?.id ?? null,
    source: input.source,
    addWay: input.addWay ?? null,
    stage: 'new',
    ...scored,
    inPool: false,
    createdAt: at,
    updatedAt: at,
    lastInteractionAt: at,
    // The capture's behaviour signal, on the row instead of in a lead_activity row (SQL NULL without one).
    captureSignal: input.activity ? storedActivity({ ...input.activity, occurredAt: at }) : undefined,
  });
  try {
    // No re-read of defaults (TypeORM would SELECT the row back): every column is set here.
    const result = await manager.createQueryBuilder().insert().into(Lead).values(lead).updateEntity(false).execute();
    lead.id = insertedId(result);
    lead.captureSignal ??= null;
    return { lead, created: true };
  } catch (error) {
    // Another worker created this WeCom contact's lead between our read and insert (a group
    // join racing an add): take that one over.
    if (!isUniqueViolation(error) || !keys.externalUserId) throw error;
    return { lead: await adoptConcurrentLead(manager, keys.externalUserId), created: false };
  }
}

/** Fills what the lead lacks (and takes WeCom's own name and avatar): one UPDATE of those columns. */
async function fillLead(
  manager: EntityManager,
  lead: Lead,
  input: CaptureLeadInput,
  keys: { externalUserId: string | null; unionid: string | null; phone: string | null; email: string | null },
): Promise<void> {
  const p = input.profile ?? {};
  const fill: Partial<Lead> = {};
  if (!lead.phone && keys.phone) fill.phone = keys.phone;
  if (!lead.email && keys.email) fill.email = keys.email;
  if (!lead.unionid && keys.unionid) fill.unionid = keys.unionid;
  // Only if nobody holds it: the resolution would have found the holder otherwise.
  if (!lead.externalUserId && keys.externalUserId) fill.externalUserId = keys.externalUserId;
  const name = clip(p.name, 128);
  if (name && (input.profileIsAuthoritative ? name !== lead.name : !lead.name)) fill.name = name;
  if (p.avatar && (input.profileIsAuthoritative ? p.avatar !== lead.avatar : !lead.avatar)) fill.avatar = p.avatar;
  const corpName = clip(p.corpName, 128);
  if (!lead.corpName && corpName) fill.corpName = corpName;
  if (!lead.channelId && input.channel) fill.channelId = input.channel.id;
  if (p.attributes) {
    const current = lead.attributes ?? {};
    const added = Object.entries(p.attributes).filter(([k, v]) => !(k in current) && v !== '' && v !== null && v !== undefined);
    if (added.length) fill.attributes = { ...current, ...Object.fromEntries(added) };
  }
  if (input.isInteraction && input.occurredAt > (lead.lastInteractionAt ?? 0)) fill.lastInteractionAt = input.occurredAt;
  if (!Object.keys(fill).length) return;
  fill.updatedAt = Math.max(Date.now(), lead.updatedAt + 1);
  const result = await manager.createQueryBuilder().update(Lead).set(fill).where('id = :id AND merged_into_id IS NULL', { id: lead.id }).execute();
  // currentLiveLead holds the row on MySQL, and SQLite runs one transaction at a time: a lead
  // merged away under this capture is a bug, not a race to shrug off.
  if (!result.affected) throw new Error(`lead ${lead.id} was merged away during capture`);
  Object.assign(lead, fill);
}

async function upsertRelation(manager: EntityManager, leadId: number, input: CaptureLeadInput, isNewLead: boolean): Promise<void> {
  const relation = input.relation!;
  const repo = manager.getRepository(LeadRelation);
  const fields = {
    status: 'active' as const,
    state: relation.state,
    channelId: input.channel?.id ?? null,
    addWay: input.addWay ?? null,
    remark: relation.remark,
    lostReason: null,
    lostAt: null,
  };
  // A lead created in this transaction has no relation yet: nothing to read.
  const existing = isNewLead ? null : await repo.findOneBy({ leadId, userId: relation.userId });
  if (existing) await repo.update({ id: existing.id }, fields);
  else {
    await manager
      .createQueryBuilder()
      .insert()
      .into(LeadRelation)
      .values({ leadId, userId: relation.userId, addedAt: input.occurredAt, ...fields })
      .updateEntity(false)
      .execute();
  }
}

/**
 * The lead another transaction committed while ours was between its read and its insert.
 *
 * On MySQL (REPEATABLE READ) plain reads in our transaction come from a snapshot taken before
 * that commit: a re-read finds nothing. An UPDATE, though, always works on the newest committed
 * row, and InnoDB shows a transaction the rows it changed itself. So the row is taken over with
 * an UPDATE that changes it for sure (updated_at moves forward by at least 1 ms); from then on
 * every read in this transaction sees it. The row lock is held until commit, as any write to the
 * lead would. On SQLite one connection runs one transaction at a time, so the race does not
 * arise there; the same two statements serve.
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
