import { type EntityManager, In } from 'typeorm';
import { GroupChat } from '../../groups/group-chat.entity';
import { memberNames } from '../../members/names';
import { maskPhoneNumbersInText } from '../../privacy/phone-numbers';
import type { ChatMessage, MediaStatus } from '../messages/chat-message.entity';

/** What one archived message looks like to a reader (the contract in docs/api.md, "Chat archive"). */
export interface ChatMessageView {
  id: number;
  msgtype: string;
  direction: 'customer' | 'rep';
  sender: { userId: string | null; name: string };
  text: string | null;
  recalled: boolean;
  sentAt: string;
  room: { id: string; name: string } | null;
  media: { status: MediaStatus; size: number | null; url: string | null } | null;
  link: { title: string; description: string | null; url: string } | null;
  file: { name: string; size: number | null } | null;
  voice: { seconds: number | null } | null;
}

/** How the presenter names things it cannot look up per message. */
export interface ChatViewContext {
  /** `/api/mp` or `/api/console`: media urls point at the same surface's media route. */
  surfaceBase: string;
  /** Whether this process can read media (ctx.archive present); without it no url is offered. */
  archiveOn: boolean;
  /** The customer's name as the rep knows it: the lead's name, by lead id. */
  leadNames: ReadonlyMap<number, string>;
  memberNames: ReadonlyMap<string, string>;
  roomNames: ReadonlyMap<string, string>;
}

/** A group the group sync never saw (or left unnamed) still reads as a group. */
const UNNAMED_GROUP = '未命名客户群';
const CUSTOMER = '客户';

const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
/** Free text from the chat is shown masked, wherever it sits (reply masking catches it again). */
const masked = (value: string | null) => (value === null ? null : maskPhoneNumbersInText(value));

/** Names the views of `messages` need: members, leads' customers and groups, read once per page. */
export async function chatViewContext(
  manager: EntityManager,
  messages: ChatMessage[],
  options: { surfaceBase: string; archiveOn: boolean; leadNames: ReadonlyMap<number, string> },
): Promise<ChatViewContext> {
  const userIds = messages.filter((m) => m.senderKind === 'member' && m.userId).map((m) => m.userId!);
  const roomIds = [...new Set(messages.map((m) => m.roomId).filter((id): id is string => !!id))];
  const [members, rooms] = await Promise.all([
    memberNames(manager, userIds),
    roomIds.length ? manager.find(GroupChat, { where: { chatId: In(roomIds) }, select: { chatId: true, name: true } }) : Promise.resolve([]),
  ]);
  return { ...options, memberNames: members, roomNames: new Map(rooms.map((r) => [r.chatId, r.name])) };
}

export function presentChatMessage(m: ChatMessage, view: ChatViewContext): ChatMessageView {
  const body = m.body ?? {};
  const fromRep = m.senderKind === 'member';
  const leadName = m.leadId !== null ? view.leadNames.get(m.leadId) : undefined;
  return {
    id: m.id,
    msgtype: m.msgtype,
    direction: fromRep ? 'rep' : 'customer',
    sender: fromRep
      ? { userId: m.userId, name: (m.userId && view.memberNames.get(m.userId)) || m.userId || '同事' }
      : { userId: null, name: leadName || CUSTOMER },
    text: masked(m.content),
    recalled: m.recalledAt !== null,
    sentAt: new Date(m.sentAt).toISOString(),
    room: m.roomId ? { id: m.roomId, name: view.roomNames.get(m.roomId) || UNNAMED_GROUP } : null,
    media: m.mediaStatus
      ? {
          status: m.mediaStatus,
          size: m.mediaSize,
          url: m.mediaStatus === 'stored' && view.archiveOn && m.leadId !== null ? `${view.surfaceBase}/leads/${m.leadId}/chats/${m.id}/media` : null,
        }
      : null,
    link:
      m.msgtype === 'link' && str(body.link_url)
        ? { title: masked(str(body.title)) ?? str(body.link_url)!, description: masked(str(body.description)), url: str(body.link_url)! }
        : null,
    file: m.msgtype === 'file' ? { name: masked(str(body.filename)) ?? '文件', size: num(body.filesize) } : null,
    voice: m.msgtype === 'voice' ? { seconds: num(body.play_length) } : null,
  };
}
