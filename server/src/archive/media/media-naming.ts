import { cstDate } from '../../util/china-time';

/**
 * What a media message's file is called in the store and what it is: the key
 * `<yyyy-mm>/<msgid>.<ext>` (the month of sending in China time, so a month's files sit together
 * and retention empties whole folders), the extension and the content type.
 */

/** Extensions WeCom's media types come in (获取会话内容: image jpg, voice amr, video mp4). */
const EXT_BY_MSGTYPE: Record<string, string> = {
  image: 'jpg',
  voice: 'amr',
  video: 'mp4',
};

const CONTENT_TYPE_BY_EXT: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  amr: 'audio/amr',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
  pdf: 'application/pdf',
  txt: 'text/plain',
  zip: 'application/zip',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

/** The file's extension: a file's own `fileext` (or its name's), an emotion's type, else the msgtype's; `bin` when unknown. */
export function mediaExtension(msgtype: string, body: Record<string, unknown>): string {
  const given = typeof body.fileext === 'string' && body.fileext ? body.fileext : extensionOfName(body.filename);
  // A sender's file name is free text: only a short alphanumeric extension goes into a key.
  if (given && /^[A-Za-z0-9]{1,10}$/.test(given)) return given.toLowerCase();
  if (msgtype === 'emotion') return body.type === 1 ? 'gif' : 'png';
  return EXT_BY_MSGTYPE[msgtype] ?? 'bin';
}

export function mediaContentType(ext: string): string {
  return CONTENT_TYPE_BY_EXT[ext] ?? 'application/octet-stream';
}

/**
 * The store key. msgids are usually `<digits>_<digits>_external`, but older ones are base64 (with
 * `/`, `+`, `=`): anything beyond letters, digits, `_` and `-` is written as %XX, so every msgid
 * gets its own key and none adds a folder.
 */
export function mediaKeyFor(msgid: string, sentAt: number, ext: string): string {
  const safeId = Array.from(Buffer.from(msgid, 'utf8'))
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9_-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
  return `${cstDate(sentAt).slice(0, 7)}/${safeId}.${ext}`;
}

/** The size the message announces (`filesize`, a voice's `voice_size`, an emotion's `imagesize`), when it gives one. */
export function announcedMediaSize(body: Record<string, unknown>): number | null {
  for (const field of ['filesize', 'voice_size', 'imagesize']) {
    const value = body[field];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  }
  return null;
}

function extensionOfName(filename: unknown): string {
  if (typeof filename !== 'string') return '';
  const dot = filename.lastIndexOf('.');
  return dot > 0 ? filename.slice(dot + 1) : '';
}
