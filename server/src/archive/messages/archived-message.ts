/**
 * A message as DecryptData hands it over (WeCom's 获取会话内容 page; wecom-reference.md §7):
 * `msgid`, `action` (send | recall | switch), `from`, `tolist`, `roomid` ('' for 1:1), `msgtime`
 * (ms), `msgtype` and a body under the msgtype's name (`text: {content}`, `image: {sdkfileid…}`).
 * A `switch` (a member switched WeCom accounts on a device) has only `msgid, action, time, user`.
 */
export interface ArchivedMessage {
  msgid: string;
  action: 'send' | 'recall' | 'switch' | string;
  from?: string;
  tolist?: string[];
  roomid?: string;
  msgtime?: number;
  msgtype?: string;
  time?: number;
  user?: string;
  [body: string]: unknown;
}

/** The ids a message names: its sender and its recipients (non-empty strings only). */
export function idsOf(message: ArchivedMessage): string[] {
  return [message.from, ...(Array.isArray(message.tolist) ? message.tolist : [])].filter((id): id is string => typeof id === 'string' && id !== '');
}

/** The message's body object (`message[msgtype]`), or null. */
export function bodyOf(message: ArchivedMessage): Record<string, unknown> | null {
  const body = message.msgtype ? message[message.msgtype] : undefined;
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
}

const str = (value: unknown) => (typeof value === 'string' ? value.trim() : '');
const joined = (...parts: unknown[]) => parts.map(str).filter(Boolean).join(' ') || null;

/**
 * What search and the chat rules read of a message: the words in it. Text as written; for the
 * others the words a person sees in the chat (a link's title and description, a file's name, a
 * mini-program's title…). Null for what has no words (an image, a voice note).
 */
export function searchableText(message: ArchivedMessage): string | null {
  const body = bodyOf(message);
  if (!body) return null;
  switch (message.msgtype) {
    case 'text':
    case 'markdown':
      return joined(body.content);
    case 'link':
      return joined(body.title, body.description);
    case 'file':
      return joined(body.filename);
    case 'weapp':
      return joined(body.title, body.description, body.displayname);
    case 'location':
      return joined(body.title, body.address);
    case 'card':
      return joined(body.corpname);
    case 'news':
    case 'external_redpacket':
    case 'redpacket':
      return joined(body.title, body.wish);
    default:
      return joined(body.content, body.title);
  }
}

/** The media a message carries (image, file, voice, video, emotion…): its sdkfileid, else null. */
export function mediaFileId(message: ArchivedMessage): string | null {
  const id = bodyOf(message)?.sdkfileid;
  return typeof id === 'string' && id ? id : null;
}

/**
 * TEXT holds 65,535 bytes on MySQL: a message longer than that (a pasted article, a forwarded chat
 * record) would fail its batch's INSERT on every retry and stop the archive. What is kept is cut
 * to fit: the words to 15,000 characters (≤ 60 KB even at 4 bytes each), the body to its small
 * fields when its JSON is over 60,000 bytes.
 */
export const MAX_CONTENT_CHARS = 15_000;
const MAX_BODY_BYTES = 60_000;
const SMALL_BODY_FIELDS = ['sdkfileid', 'md5sum', 'filesize', 'fileext', 'filename', 'title', 'description', 'link_url', 'image_url', 'play_length', 'voice_size', 'username', 'displayname', 'pre_msgid'];

export function storableContent(content: string | null): string | null {
  return content === null || content.length <= MAX_CONTENT_CHARS ? content : `${content.slice(0, MAX_CONTENT_CHARS)}…`;
}

export function storableBody(body: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!body || Buffer.byteLength(JSON.stringify(body)) <= MAX_BODY_BYTES) return body;
  const small: Record<string, unknown> = { truncated: true };
  for (const field of SMALL_BODY_FIELDS) {
    const value = body[field];
    if (value !== undefined && (typeof value !== 'string' || value.length <= 2000)) small[field] = value;
  }
  return small;
}
