import type { AppContext } from '../../context';
import { HttpError } from '../../http/errors';
import { ChatMessage } from '../messages/chat-message.entity';
import { mediaContentType } from '../media/media-naming';
import { roomsOfLead } from './chat-queries';

/**
 * Types a browser or the mini-program may show in place. Anything else (HTML, SVG, text, PDF,
 * office files…) goes out as an octet-stream attachment: a customer's file must never run as a
 * page on the console's origin.
 */
const SHOWN_IN_PLACE = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'audio/amr', 'audio/mpeg', 'video/mp4']);

export interface ChatMediaFile {
  data: Buffer;
  contentType: string;
  inline: boolean;
  fileName: string;
}

const notStored = () => new HttpError(404, 'not_found', '文件不存在或尚未下载');

/**
 * The stored file of one of the lead's messages (the caller authorized readChats on the lead): 404
 * when the message is not among the lead's chats (chat-queries.ts), its file is not stored (pending, failed, too large), the
 * archive is off in this process or the store lost it.
 */
export async function chatMediaFile(app: AppContext, leadId: number, messageId: number): Promise<ChatMediaFile> {
  const found = await app.dataSource.manager.findOneBy(ChatMessage, { id: messageId });
  // The lead's own message, or a rep's in one of the lead's groups (shown among the lead's chats).
  const message = found && (found.leadId === leadId || (found.leadId === null && found.senderKind === 'member' && found.roomId !== null && (await roomsOfLead(app.dataSource.manager, leadId)).includes(found.roomId))) ? found : null;
  if (!message || message.mediaStatus !== 'stored' || !message.mediaKey || !app.archive) throw notStored();
  const data = await app.archive.media.get(message.mediaKey);
  if (!data) throw notStored();
  const ext = /\.([A-Za-z0-9]{1,10})$/.exec(message.mediaKey)?.[1]?.toLowerCase() ?? 'bin';
  const type = mediaContentType(ext);
  const inline = SHOWN_IN_PLACE.has(type);
  return { data, contentType: inline ? type : 'application/octet-stream', inline, fileName: `chat-${message.id}.${ext}` };
}
