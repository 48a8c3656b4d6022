import { In, type EntityManager } from 'typeorm';
import { GroupMember } from '../../groups/group-member.entity';
import type { AppContext } from '../../context';
import { keysetPage } from '../../http/cursor';
import { Lead } from '../../leads/lead.entity';
import { likeContains } from '../../leads/queries';
import { chatSearchSql, type LeadScope } from '../../policies/lead';
import { ChatMessage } from '../messages/chat-message.entity';
import { decodeChatCursor, encodeChatCursor, olderThanSql } from './chat-cursor';
import type { ChatSearchQuery, LeadChatsQuery } from './chat-view-schemas';
import { chatViewContext, type ChatMessageView, presentChatMessage } from './present-chat-message';
import { responseTimesOf, type ResponseTimesView } from './response-times';

/**
 * The read side of the chat archive: a lead's chats (its customer's messages and the reps' in
 * the customer's groups; newest first, paged back with `before`, filtered by a word) and a search across the leads whose chats the actor may read. Both are
 * keyset pages on (sent_at, id): a lead's on idx_chat_message_lead (lead_id, sent_at), the
 * search on idx_chat_message_sent (sent_at), read newest first until a page is full. A word is a
 * contains-match no B-tree serves: on a lead that is a walk over its own messages; across leads
 * it stops at a full page, so a common word is cheap and a rare one reads further back.
 * Callers authorize first (readChats on the lead; chatSearchSql for the search).
 */

/** Lowercased both sides: case-insensitive whatever the column's collation. */
const wordSql = (q: string) => ({ sql: "LOWER(m.content) LIKE :word ESCAPE '!'", params: { word: likeContains(q.toLowerCase()) } });

export interface LeadChatsView {
  archive: { on: boolean };
  items: ChatMessageView[];
  nextCursor: string | null;
  responseTimes: ResponseTimesView;
}

export async function leadChats(app: AppContext, lead: Pick<Lead, 'id' | 'name'>, query: LeadChatsQuery, surfaceBase: string): Promise<LeadChatsView> {
  const manager = app.dataSource.manager;
  const rooms = await roomsOfLead(manager, lead.id);
  const qb = manager.createQueryBuilder(ChatMessage, 'm');
  // The customer's own messages, and the reps' in the customer groups the customer is in, so a
  // group conversation reads as one (other customers' messages there are their own leads').
  if (rooms.length) qb.where("(m.lead_id = :leadId OR (m.room_id IN (:...rooms) AND m.sender_kind = 'member'))", { leadId: lead.id, rooms });
  else qb.where('m.lead_id = :leadId', { leadId: lead.id });
  if (query.q !== undefined) {
    const word = wordSql(query.q);
    qb.andWhere(word.sql, word.params);
  }
  if (query.before !== undefined) {
    const older = olderThanSql(decodeChatCursor('chat', query.before));
    qb.andWhere(older.sql, older.params);
  }
  const [rows, responseTimes] = await Promise.all([
    qb.orderBy('m.sentAt', 'DESC').addOrderBy('m.id', 'DESC').limit(query.limit + 1).getMany(),
    responseTimesOf(manager, lead.id),
  ]);
  const { page, nextCursor } = keysetPage(rows, query.limit, (last) => encodeChatCursor('chat', last));
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

export type ChatSearchHit = ChatMessageView & { lead: { id: number; name: string } };

export async function searchChats(app: AppContext, scope: LeadScope, query: ChatSearchQuery, surfaceBase: string): Promise<{ archive: { on: boolean }; items: ChatSearchHit[]; nextCursor: string | null }> {
  const manager = app.dataSource.manager;
  // Asked before any query: a rep's search is a 403, whatever it would have found.
  const readable = chatSearchSql(scope, 'l');
  const word = wordSql(query.q);
  const qb = manager
    .createQueryBuilder(ChatMessage, 'm')
    .innerJoin(Lead, 'l', 'l.id = m.lead_id')
    .where('l.merged_into_id IS NULL')
    .andWhere(readable.sql, readable.params)
    .andWhere(word.sql, word.params);
  if (query.before !== undefined) {
    const older = olderThanSql(decodeChatCursor('chatsearch', query.before));
    qb.andWhere(older.sql, older.params);
  }
  const rows = await qb.orderBy('m.sentAt', 'DESC').addOrderBy('m.id', 'DESC').limit(query.limit + 1).getMany();
  const { page, nextCursor } = keysetPage(rows, query.limit, (last) => encodeChatCursor('chatsearch', last));
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
