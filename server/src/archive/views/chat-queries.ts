import { In, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import { GroupMember } from '../../groups/group-member.entity';
import type { AppContext } from '../../context';
import { keysetPage } from '../../http/cursor';
import { Lead } from '../../leads/lead.entity';
import { chatSearchSql, type LeadScope } from '../../policies/lead';
import { ChatMessage } from '../messages/chat-message.entity';
import { type ChatCursorTag, type ChatPosition, decodeChatCursor, encodeChatCursor, olderThanSql } from './chat-cursor';
import { scanForWord } from './chat-word-scan';
import type { ChatSearchQuery, LeadChatsQuery } from './chat-view-schemas';
import { chatViewContext, type ChatMessageView, presentChatMessage } from './present-chat-message';
import { responseTimesOf, type ResponseTimesView } from './response-times';

/**
 * The read side of the chat archive: a lead's chats (its customer's messages and the reps' in
 * the customer's groups; newest first, paged back with `before`, filtered by a word) and a search across the leads whose chats the actor may read. Both are
 * keyset pages on (sent_at, id): a lead's on idx_chat_message_lead (lead_id, sent_at), the
 * search on idx_chat_message_sent (sent_at), read newest first. A word matches the text as shown
 * (masked) and is read in windows of messages (chat-word-scan.ts): a common word fills a page
 * from the first window, a rare one may give a short page whose cursor reads further back.
 * Callers authorize first (readChats on the lead; chatSearchSql for the search).
 */

export interface LeadChatsView {
  archive: { on: boolean };
  items: ChatMessageView[];
  nextCursor: string | null;
  responseTimes: ResponseTimesView;
}

export async function leadChats(app: AppContext, lead: Pick<Lead, 'id' | 'name'>, query: LeadChatsQuery, surfaceBase: string): Promise<LeadChatsView> {
  const manager = app.dataSource.manager;
  const rooms = await roomsOfLead(manager, lead.id);
  const before = query.before !== undefined ? decodeChatCursor('chat', query.before) : undefined;
  const leadMessages = () => {
    const qb = manager.createQueryBuilder(ChatMessage, 'm');
    // The customer's own messages, and the reps' in the customer groups the customer is in, so a
    // group conversation reads as one (other customers' messages there are their own leads').
    if (rooms.length) qb.where("(m.lead_id = :leadId OR (m.room_id IN (:...rooms) AND m.sender_kind = 'member'))", { leadId: lead.id, rooms });
    else qb.where('m.lead_id = :leadId', { leadId: lead.id });
    return qb;
  };
  const [{ page, nextCursor }, responseTimes] = await Promise.all([
    query.q !== undefined ? wordPage(leadMessages, query.q, before, query.limit, 'chat') : latestPage(leadMessages(), before, query.limit),
    responseTimesOf(manager, lead.id),
  ]);
  const view = await chatViewContext(manager, page, { surfaceBase, archiveOn: !!app.archive, leadNames: new Map([[lead.id, lead.name]]) });
  return { archive: { on: !!app.archive }, items: page.map((m) => presentChatMessage(m, view)), nextCursor, responseTimes };
}

/** At most this many of a lead's groups add their reps' messages to the lead's chats. */
const MAX_ROOMS = 50;

/** The customer groups a lead's customer is in (group_member) or wrote in (the archive). */
export async function roomsOfLead(manager: EntityManager, leadId: number): Promise<string[]> {
  const [members, written] = await Promise.all([
    manager.find(GroupMember, { where: { leadId }, select: { chatId: true }, take: MAX_ROOMS }),
    manager
      .createQueryBuilder(ChatMessage, 'm')
      .select('DISTINCT m.room_id', 'room_id')
      .where('m.lead_id = :leadId AND m.room_id IS NOT NULL', { leadId })
      .limit(MAX_ROOMS)
      .getRawMany<{ room_id: string }>(),
  ]);
  return [...new Set([...members.map((m) => m.chatId), ...written.map((r) => r.room_id)])].slice(0, MAX_ROOMS);
}

/** A page of every message `qb` selects, newest first. */
async function latestPage(qb: SelectQueryBuilder<ChatMessage>, before: ChatPosition | undefined, limit: number) {
  if (before) {
    const older = olderThanSql(before);
    qb.andWhere(older.sql, older.params);
  }
  const rows = await qb.orderBy('m.sentAt', 'DESC').addOrderBy('m.id', 'DESC').limit(limit + 1).getMany();
  return keysetPage(rows, limit, (last) => encodeChatCursor('chat', last));
}

/** A page of the messages `scope()` selects whose text as shown contains `q`. */
async function wordPage(scope: () => SelectQueryBuilder<ChatMessage>, q: string, before: ChatPosition | undefined, limit: number, tag: ChatCursorTag) {
  const { rows, next } = await scanForWord(scope, q, before, limit);
  return { page: rows, nextCursor: next ? encodeChatCursor(tag, next) : null };
}

export type ChatSearchHit = ChatMessageView & { lead: { id: number; name: string } };

export async function searchChats(app: AppContext, scope: LeadScope, query: ChatSearchQuery, surfaceBase: string): Promise<{ archive: { on: boolean }; items: ChatSearchHit[]; nextCursor: string | null }> {
  const manager = app.dataSource.manager;
  // Asked before any query: a rep's search is a 403, whatever it would have found.
  const readable = chatSearchSql(scope, 'l');
  const before = query.before !== undefined ? decodeChatCursor('chatsearch', query.before) : undefined;
  const readableMessages = () =>
    manager
      .createQueryBuilder(ChatMessage, 'm')
      .innerJoin(Lead, 'l', 'l.id = m.lead_id')
      .where('l.merged_into_id IS NULL')
      .andWhere(readable.sql, readable.params);
  const { page, nextCursor } = await wordPage(readableMessages, query.q, before, query.limit, 'chatsearch');
  const leadIds = [...new Set(page.map((m) => m.leadId!))];
  const leads = leadIds.length ? await manager.find(Lead, { where: { id: In(leadIds) }, select: { id: true, name: true } }) : [];
  const leadNames = new Map(leads.map((l) => [l.id, l.name]));
  const view = await chatViewContext(manager, page, { surfaceBase, archiveOn: !!app.archive, leadNames });
  return {
    archive: { on: !!app.archive },
    items: page.map((m) => ({ ...presentChatMessage(m, view), lead: { id: m.leadId!, name: leadNames.get(m.leadId!) ?? '' } })),
    nextCursor,
  };
}
