import { In, type EntityManager } from 'typeorm';
import type { ChatMessage } from '../messages/chat-message.entity';
import { ChatResponse } from './chat-response.entity';
import { ChatWaiting } from './chat-waiting.entity';

type Stored = Pick<ChatMessage, 'msgid' | 'leadId' | 'userId' | 'senderKind' | 'roomId' | 'sentAt'>;

const pair = (leadId: number, userId: string) => `${leadId}\n${userId}`;

/**
 * Rep response times from the 1:1 chats of a batch just stored, in the batch's transaction and in
 * seq order: a customer's message starts a wait (unless one is running: the wait counts from the
 * first unanswered message); the rep's next message ends it, as a chat_response row (`first` for
 * the rep's first answer to that lead). A rep writing first, with no customer waiting, is no
 * response. Group chats are left out: there, who answers whom is not knowable from the messages.
 * Costs a few statements per batch, not per message.
 */
export async function trackResponses(manager: EntityManager, stored: readonly Stored[]): Promise<{ responses: number }> {
  const direct = stored.filter((m): m is Stored & { leadId: number; userId: string } => m.roomId === null && m.leadId !== null && m.userId !== null);
  if (direct.length === 0) return { responses: 0 };
  const leadIds = [...new Set(direct.map((m) => m.leadId))];
  const userIds = [...new Set(direct.map((m) => m.userId))];

  const waiting = new Map<string, ChatWaiting>();
  for (const row of await manager.find(ChatWaiting, { where: { leadId: In(leadIds), userId: In(userIds) } })) waiting.set(pair(row.leadId, row.userId), row);
  const answeredBefore = new Set(
    (
      await manager
        .getRepository(ChatResponse)
        .createQueryBuilder('r')
        .select(['r.leadId', 'r.userId'])
        .where('r.lead_id IN (:...leadIds) AND r.user_id IN (:...userIds) AND r.first = :first', { leadIds, userIds, first: true })
        .getMany()
    ).map((r) => pair(r.leadId, r.userId)),
  );
  const before = new Map(waiting);

  const responses: Array<Omit<ChatResponse, 'id'>> = [];
  for (const m of direct) {
    const key = pair(m.leadId, m.userId);
    const current = waiting.get(key);
    if (m.senderKind === 'customer') {
      if (!current) waiting.set(key, Object.assign(new ChatWaiting(), { leadId: m.leadId, userId: m.userId, since: m.sentAt, msgid: m.msgid, alertedAt: null }));
    } else if (current) {
      const first = !answeredBefore.has(key);
      answeredBefore.add(key);
      responses.push({ leadId: m.leadId, userId: m.userId, msgid: m.msgid, waitedSince: current.since, repliedAt: m.sentAt, responseMs: Math.max(0, m.sentAt - current.since), first });
      waiting.delete(key);
    }
  }

  const ended = [...before.keys()].filter((key) => !waiting.has(key));
  for (const key of ended) {
    const row = before.get(key)!;
    await manager.delete(ChatWaiting, { leadId: row.leadId, userId: row.userId });
  }
  const started = [...waiting.entries()].filter(([key]) => !before.has(key)).map(([, row]) => row);
  if (started.length) await manager.createQueryBuilder().insert().into(ChatWaiting).values(started).orIgnore().execute();
  if (responses.length) await manager.createQueryBuilder().insert().into(ChatResponse).values(responses).orIgnore().execute();
  return { responses: responses.length };
}
