import { In, type EntityManager } from 'typeorm';
import { GroupChat } from '../../groups/group-chat.entity';
import { GroupMember } from '../../groups/group-member.entity';
import { Lead } from '../../leads/lead.entity';
import { LeadMerge } from '../../leads/merge/lead-merge.entity';
import { Member } from '../../members/member.entity';
import { isRobotId, looksLikeExternalUserId } from '../../wecom/ids';
import type { ArchiveServices } from '../archive-services';
import type { ArchiveConsent } from '../compliance/archive-consent.entity';
import { consentAllows, consentOf, ConsentNeed, pairKey } from '../compliance/consent';
import { permittedMembers } from '../compliance/permit-list';
import { bodyOf, idsOf, mediaFileId, searchableText, storableBody, storableContent } from '../messages/archived-message';
import type { ChatMessage } from '../messages/chat-message.entity';
import { classifyMessage, Conversation } from '../messages/classify-message';
import type { OpenedMessage } from './open-batch';

/** A message to store: its row, and what the lead and the events need to know. */
export interface LandedMessage {
  row: Omit<ChatMessage, 'id'>;
  /** The rep whose conversation it is: 1:1 the rep; group: the lead's owner, else the group's owner. */
  repUserId: string | null;
  mediaFileId: string | null;
}

export type SkipReason = 'internal' | 'malformed' | 'switch' | 'not_permitted' | 'no_consent';

export interface BatchPlan {
  messages: LandedMessage[];
  /** Recalls (撤回) in the batch: the recalled message's msgid and when. */
  recalls: Array<{ preMsgid: string; at: number }>;
  skipped: Partial<Record<SkipReason, number>>;
}

/**
 * Decides where each opened message of a batch lands, and whether it may be kept at all:
 * - a 1:1 chat lands on the customer's lead (by external_userid); a customer group's message is
 *   kept with its room, a customer's message also on that customer's lead;
 * - internal chats (members only), robots and `switch` notices are not kept;
 * - only conversations of members in the archive's scope (get_permit_user_list) are kept, and a
 *   customer's chat only while they agree to the archive (check_single_agree; in a group, with
 *   the group's owner), judged at the message's own time (compliance/consent.ts).
 * It reads the database and WeCom and writes only the consent it learnt; storing is store-batch.ts.
 */
export interface LandingOptions {
  /** The owner of a customer group not stored yet (externalcontact/groupchat/get); null when WeCom knows none. */
  groupOwner?(roomId: string): Promise<string | null>;
}

export async function landMessages(manager: EntityManager, services: Pick<ArchiveServices, 'wecom'>, batch: readonly OpenedMessage[], now = Date.now(), options: LandingOptions = {}): Promise<BatchPlan> {
  const plan: BatchPlan = { messages: [], recalls: [], skipped: {} };
  const skip = (reason: SkipReason) => (plan.skipped[reason] = (plan.skipped[reason] ?? 0) + 1);
  if (batch.length === 0) return plan;

  // Members the batch names (ids that do not look like a customer's or a robot's): a cached
  // permit list that lacks one is read again before their messages are judged.
  const named = new Set<string>();
  for (const { message } of batch) for (const id of idsOf(message)) if (!looksLikeExternalUserId(id) && !isRobotId(id)) named.add(id);
  const permitted = await permittedMembers(services.wecom, now, named);
  const lookalikes = new Set<string>();
  for (const { message } of batch) for (const id of idsOf(message)) if (looksLikeExternalUserId(id) && !permitted.has(id)) lookalikes.add(id);
  const membersLookingExternal = lookalikes.size
    ? new Set((await manager.find(Member, { where: { userId: In([...lookalikes]) }, select: { userId: true } })).map((m) => m.userId))
    : new Set<string>();
  const isMember = (id: string) => permitted.has(id) || membersLookingExternal.has(id);

  const classified = batch.map((opened) => ({ opened, conversation: classifyMessage(opened.message, isMember) }));

  // Groups: who owns them (consent is asked with the owner) and which leads their customers are.
  const roomIds = [...new Set(classified.flatMap(({ conversation: c }) => (c.kind === 'group' ? [c.roomId] : [])))];
  const groups = new Map<string, Pick<GroupChat, 'chatId' | 'ownerUserId'>>(roomIds.length ? (await manager.find(GroupChat, { where: { chatId: In(roomIds) } })).map((g) => [g.chatId, g]) : []);
  // A group whose callback or sync has not landed yet: its owner from WeCom, or its customers'
  // messages could not be judged and would be lost past the cursor.
  const customerRooms = new Set(classified.flatMap(({ conversation: c }) => (c.kind === 'group' && c.senderKind === 'customer' ? [c.roomId] : [])));
  for (const roomId of customerRooms) if (!groups.has(roomId) && options.groupOwner) groups.set(roomId, { chatId: roomId, ownerUserId: await options.groupOwner(roomId) });

  // The customers' leads, by external_userid (a merged lead's messages go to the lead it lives on in).
  const customerIds = new Set<string>();
  for (const { conversation: c } of classified) {
    if (c.kind === 'direct') customerIds.add(c.externalUserId);
    if (c.kind === 'group' && c.senderKind === 'customer') customerIds.add(c.sender);
  }
  const leads = await leadsByExternalUserId(manager, [...customerIds]);
  const groupLeads = roomIds.length ? await groupMemberLeads(manager, roomIds, [...customerIds]) : new Map<string, number>();

  // Consent for every (rep, customer) pair a customer-side message needs.
  const pairs: ConsentNeed[] = [];
  for (const { opened, conversation: c } of classified) {
    const sentAt = opened.message.msgtime ?? 0;
    if (c.kind === 'direct') pairs.push({ userId: c.userId, externalUserId: c.externalUserId, sentAt });
    if (c.kind === 'group' && c.senderKind === 'customer') {
      const owner = groups.get(c.roomId)?.ownerUserId;
      if (owner) pairs.push({ userId: owner, externalUserId: c.sender, sentAt });
    }
  }
  const consent = await consentOf(manager, services.wecom, pairs, now);

  for (const { opened, conversation: c } of classified) {
    const { message } = opened;
    if (c.kind === 'switch') skip('switch');
    else if (c.kind === 'skip') skip(c.reason);
    else if (c.kind === 'recall') plan.recalls.push({ preMsgid: c.preMsgid, at: typeof message.msgtime === 'number' ? message.msgtime : now });
    else {
      const verdict = c.kind === 'direct' ? directVerdict(c, permitted, consent, message.msgtime!) : groupVerdict(c, permitted, consent, groups.get(c.roomId)?.ownerUserId ?? null, message.msgtime!);
      if (verdict) {
        skip(verdict);
        continue;
      }
      const customer = c.kind === 'direct' ? c.externalUserId : c.senderKind === 'customer' ? c.sender : null;
      const lead = customer ? (leads.get(customer) ?? null) : null;
      const leadId = lead?.id ?? (customer && c.kind === 'group' ? (groupLeads.get(`${c.roomId}\n${customer}`) ?? null) : null);
      const fileId = mediaFileId(message);
      plan.messages.push({
        row: {
          msgid: opened.msgid,
          seq: opened.seq,
          msgtype: String(message.msgtype).slice(0, 32),
          senderKind: c.senderKind,
          userId: c.kind === 'direct' ? c.userId : c.senderKind === 'member' ? c.sender : null,
          externalUserId: customer,
          roomId: c.kind === 'group' ? c.roomId : null,
          leadId,
          content: storableContent(searchableText(message)),
          body: storableBody(bodyOf(message)),
          mediaStatus: fileId ? 'pending' : null,
          mediaKey: null,
          mediaSize: null,
          recalledAt: null,
          sentAt: message.msgtime!,
          storedAt: now,
        },
        repUserId: c.kind === 'direct' ? c.userId : (lead?.ownerUserId ?? groups.get(c.roomId)?.ownerUserId ?? null),
        mediaFileId: fileId,
      });
    }
  }
  return plan;
}

function directVerdict(c: Extract<Conversation, { kind: 'direct' }>, permitted: Set<string>, consent: Map<string, ArchiveConsent>, sentAt: number): SkipReason | null {
  if (!permitted.has(c.userId)) return 'not_permitted';
  const agreed = consent.get(pairKey(c));
  return agreed && consentAllows(agreed, sentAt) ? null : 'no_consent';
}

function groupVerdict(c: Extract<Conversation, { kind: 'group' }>, permitted: Set<string>, consent: Map<string, ArchiveConsent>, owner: string | null, sentAt: number): SkipReason | null {
  if (c.senderKind === 'member') return permitted.has(c.sender) ? null : 'not_permitted';
  // A customer's message is kept through the group's members in scope, and with their consent
  // given to the group's owner (the rep who answers for the group).
  if (!c.memberIds.some((id) => permitted.has(id))) return 'not_permitted';
  const agreed = owner ? consent.get(pairKey({ userId: owner, externalUserId: c.sender })) : undefined;
  return agreed && consentAllows(agreed, sentAt) ? null : 'no_consent';
}

async function leadsByExternalUserId(manager: EntityManager, externalUserIds: string[]): Promise<Map<string, Pick<Lead, 'id' | 'ownerUserId'>>> {
  const found = new Map<string, Pick<Lead, 'id' | 'ownerUserId'>>();
  if (externalUserIds.length === 0) return found;
  const rows = await manager.find(Lead, { where: { externalUserId: In(externalUserIds) }, select: { id: true, externalUserId: true, ownerUserId: true, mergedIntoId: true } });
  const mergedInto = rows.filter((r) => r.mergedIntoId).map((r) => r.mergedIntoId!);
  const kept = mergedInto.length ? new Map((await manager.find(Lead, { where: { id: In(mergedInto) }, select: { id: true, ownerUserId: true } })).map((l) => [l.id, l])) : new Map();
  for (const row of rows) found.set(row.externalUserId!, row.mergedIntoId ? (kept.get(row.mergedIntoId) ?? { id: row.mergedIntoId, ownerUserId: null }) : row);
  // A customer whose lead was merged into another lead with an external_userid of its own: the
  // merge kept theirs (lead_merge); store-batch.ts follows any later merge of the kept lead.
  const unknown = externalUserIds.filter((id) => !found.has(id));
  if (unknown.length) {
    const merges = await manager.find(LeadMerge, { where: { mergedExternalUserId: In(unknown) }, order: { id: 'DESC' }, select: { keptLeadId: true, mergedExternalUserId: true } });
    const keptIds = [...new Set(merges.map((m) => m.keptLeadId))];
    const keptLeads = keptIds.length ? new Map((await manager.find(Lead, { where: { id: In(keptIds) }, select: { id: true, ownerUserId: true } })).map((l) => [l.id, l])) : new Map();
    for (const merge of merges) if (!found.has(merge.mergedExternalUserId!) && keptLeads.has(merge.keptLeadId)) found.set(merge.mergedExternalUserId!, keptLeads.get(merge.keptLeadId)!);
  }
  return found;
}

/** Leads of customers in groups, by `<roomid>\n<external_userid>`, for customers whose lead is not found by id. */
async function groupMemberLeads(manager: EntityManager, roomIds: string[], customerIds: string[]): Promise<Map<string, number>> {
  if (customerIds.length === 0) return new Map();
  const rows = await manager.find(GroupMember, { where: { chatId: In(roomIds), memberId: In(customerIds) }, select: { chatId: true, memberId: true, leadId: true } });
  return new Map(rows.filter((r) => r.leadId).map((r) => [`${r.chatId}\n${r.memberId}`, r.leadId!]));
}
