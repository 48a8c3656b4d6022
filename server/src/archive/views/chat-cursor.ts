import { decodeCursor, encodeCursor } from '../../http/cursor';
import { HttpError } from '../../http/errors';

/**
 * The chat lists' cursors: newest first on (sent_at, id), so a page reads the index
 * (lead_id, sent_at) or (sent_at) in order and stops. One tag per list, so a cursor of a lead's
 * chats is not taken by the search.
 */
export type ChatCursorTag = 'chat' | 'chatsearch';

export interface ChatPosition {
  sentAt: number;
  id: number;
}

export const encodeChatCursor = (tag: ChatCursorTag, last: ChatPosition) => encodeCursor(tag, [last.sentAt, last.id]);

export function decodeChatCursor(tag: ChatCursorTag, cursor: string): ChatPosition {
  try {
    const [sentAt, id] = decodeCursor(tag, cursor, 2);
    return { sentAt, id };
  } catch {
    throw new HttpError(400, 'validation_failed', '翻页位置无效，请刷新后重试', { fields: [{ path: 'before', message: '翻页位置无效' }] });
  }
}

/** The SQL for "older than the cursor" on the message alias `m`. */
export function olderThanSql(position: ChatPosition): { sql: string; params: Record<string, unknown> } {
  return {
    sql: '(m.sent_at < :beforeSentAt OR (m.sent_at = :beforeSentAt AND m.id < :beforeId))',
    params: { beforeSentAt: position.sentAt, beforeId: position.id },
  };
}
