import { createHash, randomBytes } from 'node:crypto';
import { sealChatMsg } from '../archive-cipher';
import { randomAlphanumeric } from '../ids';
import type { ArchiveKeyStore } from './archive-keys';

/**
 * The chat archive's message log (会话内容存档, wecom-reference.md §7): every archived message gets
 * the next `seq` and is sealed at once, the way WeCom does it: a fresh random key per message,
 * RSA-sealed with the corp's current public key, the JSON sealed with that random key (the
 * simulator's own cipher, ../archive-cipher.ts). A rotation after a message leaves it sealed under
 * its version. Media bytes are kept by `sdkfileid` for GetMediaData.
 *
 * The play hooks write the message JSON WeCom's 获取会话内容 page documents: `msgid`, `action`,
 * `from`, `tolist`, `roomid` ('' for 1:1), `msgtime` (ms), `msgtype` and its body; `switch`
 * messages are `{msgid, action, time, user}`. Body fields beyond text and image (file, voice,
 * link, weapp, revoke) follow that page; wecom-reference.md §7 lists only the common ones.
 */

export interface SealedArchiveMessage {
  seq: number;
  msgid: string;
  publickey_ver: number;
  encrypt_random_key: string;
  encrypt_chat_msg: string;
}

/** Who a message goes between: member userids and external userids (wm…) alike, as WeCom writes them. */
export interface ArchiveRoute {
  from: string;
  tolist: string[];
  /** A group's id; '' or absent for a 1:1 chat. */
  roomid?: string;
}

export interface PlayOptions {
  /** Default: a fresh WeCom-like msgid. */
  msgid?: string;
  /** Milliseconds; default the simulator's clock. */
  msgtime?: number;
}

export type ArchiveMessage = Record<string, unknown> & { msgid: string; action: 'send' | 'recall' | 'switch' };

export interface PlayedMessage {
  seq: number;
  msgid: string;
  publickey_ver: number;
  /** The JSON as sealed: what the archive must get back after opening it. */
  message: ArchiveMessage;
}

export interface PlayedMedia extends PlayedMessage {
  sdkfileid: string;
  md5sum: string;
}

/** GetMediaData's chunk size (wecom-reference.md §7). */
export const MEDIA_CHUNK_BYTES = 512 * 1024;

/** WeCom's msgids look like `<digits>_<digits>_external`; the exact shape does not matter, uniqueness does. */
const newArchiveMsgId = () => `${randomBytes(8).readBigUInt64BE() % 10n ** 19n}_${Date.now()}_external`;
/** sdkfileids are long opaque base64 strings. */
const newSdkFileId = () => randomBytes(96).toString('base64');
/** The random key WeCom seals per message: opaque to the archive, handed to DecryptData as a string. */
const newRandomKey = () => randomAlphanumeric(32);

export class ArchiveStore {
  /** Every archived message, oldest first; `seq` is the index + 1, so after(seq) is a slice. */
  readonly sealed: SealedArchiveMessage[] = [];
  /** The JSON of each message by msgid, for tests to compare with what the archive opened. */
  readonly played = new Map<string, ArchiveMessage>();
  readonly media = new Map<string, Buffer>();

  constructor(
    readonly keys: ArchiveKeyStore,
    private readonly now: () => number,
  ) {}

  /** The last seq given (0 before the first message). */
  get lastSeq(): number {
    return this.sealed.length;
  }

  /** GetChatData: messages after `seq` (not including it), at most `limit`, oldest first. */
  after(seq: number, limit: number): SealedArchiveMessage[] {
    return this.sealed.slice(Math.max(0, seq), Math.max(0, seq) + limit);
  }

  /** Seals and appends any message JSON (it must carry msgid and action); the low-level hook the others use. */
  append(message: ArchiveMessage): PlayedMessage {
    if (this.played.has(message.msgid)) throw new Error(`archive message ${message.msgid} was already played`);
    const pair = this.keys.current();
    const randomKey = newRandomKey();
    const seq = this.sealed.length + 1;
    this.sealed.push({
      seq,
      msgid: message.msgid,
      publickey_ver: pair.version,
      encrypt_random_key: this.keys.sealRandomKey(pair.version, randomKey),
      encrypt_chat_msg: sealChatMsg(randomKey, JSON.stringify(message)),
    });
    this.played.set(message.msgid, message);
    return { seq, msgid: message.msgid, publickey_ver: pair.version, message };
  }

  /** A `send` message of any msgtype: `body` goes under the msgtype's key (e.g. `text: {content}`). */
  send(route: ArchiveRoute, msgtype: string, body: Record<string, unknown>, options: PlayOptions = {}): PlayedMessage {
    return this.append({
      msgid: options.msgid ?? newArchiveMsgId(),
      action: 'send',
      from: route.from,
      tolist: route.tolist,
      roomid: route.roomid ?? '',
      msgtime: options.msgtime ?? this.now(),
      msgtype,
      [msgtype]: body,
    });
  }

  sendText(route: ArchiveRoute, content: string, options?: PlayOptions): PlayedMessage {
    return this.send(route, 'text', { content }, options);
  }

  /** A customer writes to a rep in their 1:1 chat. */
  customerText(externalUserId: string, userid: string, content: string, options?: PlayOptions): PlayedMessage {
    return this.sendText({ from: externalUserId, tolist: [userid] }, content, options);
  }

  /** A rep writes to a customer in their 1:1 chat. */
  repText(userid: string, externalUserId: string, content: string, options?: PlayOptions): PlayedMessage {
    return this.sendText({ from: userid, tolist: [externalUserId] }, content, options);
  }

  /** Someone writes in a group: `tolist` is everyone else in it (the caller knows the room's members). */
  groupText(roomid: string, from: string, tolist: string[], content: string, options?: PlayOptions): PlayedMessage {
    return this.sendText({ from, tolist, roomid }, content, options);
  }

  /** An image: the bytes are kept for GetMediaData under a new sdkfileid. */
  sendImage(route: ArchiveRoute, data: Buffer, options?: PlayOptions): PlayedMedia {
    return this.sendMedia(route, 'image', data, (m) => ({ md5sum: m.md5sum, filesize: data.length, sdkfileid: m.sdkfileid }), options);
  }

  sendFile(route: ArchiveRoute, data: Buffer, filename: string, options?: PlayOptions): PlayedMedia {
    const dot = filename.lastIndexOf('.');
    const fileext = dot > 0 ? filename.slice(dot + 1) : '';
    return this.sendMedia(route, 'file', data, (m) => ({ md5sum: m.md5sum, filename, fileext, filesize: data.length, sdkfileid: m.sdkfileid }), options);
  }

  /** A voice message (AMR in WeCom; the bytes are whatever the test gives). */
  sendVoice(route: ArchiveRoute, data: Buffer, playLengthSeconds: number, options?: PlayOptions): PlayedMedia {
    return this.sendMedia(route, 'voice', data, (m) => ({ md5sum: m.md5sum, voice_size: data.length, play_length: playLengthSeconds, sdkfileid: m.sdkfileid }), options);
  }

  sendLink(route: ArchiveRoute, link: { title: string; description?: string; link_url: string; image_url?: string }, options?: PlayOptions): PlayedMessage {
    return this.send(route, 'link', { description: '', image_url: '', ...link }, options);
  }

  /** A mini-program card (msgtype `weapp`): `username` is the mini-program's original id (gh_…). */
  sendMiniProgram(route: ArchiveRoute, weapp: { title: string; description?: string; username: string; displayname: string }, options?: PlayOptions): PlayedMessage {
    return this.send(route, 'weapp', { description: '', ...weapp }, options);
  }

  /** The sender recalls an earlier message: action `recall`, msgtype `revoke` naming it, same chat. */
  recall(msgid: string, options: PlayOptions = {}): PlayedMessage {
    const original = this.played.get(msgid);
    if (!original || original.action !== 'send') throw new Error(`no sent archive message ${msgid} to recall`);
    return this.append({
      msgid: options.msgid ?? newArchiveMsgId(),
      action: 'recall',
      from: original.from,
      tolist: original.tolist,
      roomid: original.roomid,
      msgtime: options.msgtime ?? this.now(),
      msgtype: 'revoke',
      revoke: { pre_msgid: msgid },
    });
  }

  /** A member switches to another device or account (switch carries no chat: `{msgid, action, time, user}`). */
  switchUser(userid: string, options: PlayOptions = {}): PlayedMessage {
    return this.append({ msgid: options.msgid ?? newArchiveMsgId(), action: 'switch', time: options.msgtime ?? this.now(), user: userid });
  }

  /** One GetMediaData chunk: at most MEDIA_CHUNK_BYTES from `offset`; undefined for an unknown sdkfileid. */
  mediaChunk(sdkfileid: string, offset: number): { data: Buffer; next: number; isFinish: boolean } | undefined {
    const bytes = this.media.get(sdkfileid);
    if (!bytes) return undefined;
    const end = Math.min(bytes.length, offset + MEDIA_CHUNK_BYTES);
    return { data: bytes.subarray(offset, end), next: end, isFinish: end >= bytes.length };
  }

  private sendMedia(
    route: ArchiveRoute,
    msgtype: 'image' | 'file' | 'voice',
    data: Buffer,
    body: (m: { sdkfileid: string; md5sum: string }) => Record<string, unknown>,
    options?: PlayOptions,
  ): PlayedMedia {
    const sdkfileid = newSdkFileId();
    const md5sum = createHash('md5').update(data).digest('hex');
    this.media.set(sdkfileid, Buffer.from(data));
    return { ...this.send(route, msgtype, body({ sdkfileid, md5sum }), options), sdkfileid, md5sum };
  }
}
