import { createHash } from 'node:crypto';
import { parseXml, XmlError, XmlNode } from './xml';

/** Decrypted callback XML (wecom-reference.md §2) as typed events. */

interface EventBase {
  corpId: string;
  createTime: number;
}

export interface ContactAddedEvent extends EventBase {
  kind: 'contact.added';
  changeType: 'add_external_contact' | 'add_half_external_contact';
  userId: string;
  externalUserId: string;
  state?: string;
  welcomeCode?: string;
}

export interface ContactEditedEvent extends EventBase {
  kind: 'contact.edited';
  userId: string;
  externalUserId: string;
}

export interface ContactDeletedEvent extends EventBase {
  kind: 'contact.deleted';
  /** del_external_contact: the rep deleted the customer; del_follow_user: the customer deleted the rep. */
  changeType: 'del_external_contact' | 'del_follow_user';
  userId: string;
  externalUserId: string;
  source?: string;
}

export interface ContactTransferFailedEvent extends EventBase {
  kind: 'contact.transfer_failed';
  userId: string;
  externalUserId: string;
  failReason?: string;
}

export interface GroupChangedEvent extends EventBase {
  kind: 'group.changed';
  changeType: 'create' | 'update' | 'dismiss';
  chatId: string;
  updateDetail?: string;
  joinScene?: number;
  quitScene?: number;
  memberIds: string[];
  lastMemVer?: string;
  curMemVer?: string;
}

export interface TagChangedEvent extends EventBase {
  kind: 'tag.changed';
  changeType: string;
  tagType: string;
  id: string;
}

export interface ArchiveNotifyEvent extends EventBase {
  kind: 'archive.notify';
}

export interface UnknownEvent extends EventBase {
  kind: 'unknown';
  msgType: string;
  event?: string;
  changeType?: string;
}

export type WecomEvent =
  | ContactAddedEvent
  | ContactEditedEvent
  | ContactDeletedEvent
  | ContactTransferFailedEvent
  | GroupChangedEvent
  | TagChangedEvent
  | ArchiveNotifyEvent
  | UnknownEvent;

export type EventKind = WecomEvent['kind'];

export interface ParsedCallback {
  event: WecomEvent;
  /** Same for every delivery of one callback, different for different callbacks. */
  dedupKey: string;
  /** Events with the same partition key are handled in arrival order. */
  partitionKey: string;
}

function text(node: XmlNode | XmlNode[] | undefined): string | undefined {
  if (node === undefined) return undefined;
  if (typeof node === 'string') return node;
  if (Array.isArray(node)) return text(node[0]);
  return undefined;
}

function required(fields: Record<string, XmlNode | XmlNode[] | undefined>, name: string): string {
  const value = text(fields[name]);
  if (!value) throw new XmlError(`missing <${name}>`);
  return value;
}

function optionalInt(fields: Record<string, XmlNode | XmlNode[] | undefined>, name: string): number | undefined {
  const value = text(fields[name]);
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** MemChangeList is `<Item>` elements, or (older form) one comma-separated text. */
function memberList(node: XmlNode | XmlNode[] | undefined): string[] {
  if (node === undefined) return [];
  if (typeof node === 'string') return node.split(',').map((s) => s.trim()).filter(Boolean);
  const items = Array.isArray(node) ? node : [node];
  return items.flatMap((item) => {
    if (typeof item === 'string') return item.split(',').map((s) => s.trim()).filter(Boolean);
    const inner = item.Item;
    if (inner === undefined) return [];
    return (Array.isArray(inner) ? inner : [inner]).map((v) => text(v) ?? '').filter(Boolean);
  });
}

function toEvent(f: Record<string, XmlNode | XmlNode[] | undefined>): WecomEvent {
  const base: EventBase = {
    corpId: text(f.ToUserName) ?? '',
    createTime: Number(text(f.CreateTime) ?? 0) || 0,
  };
  const msgType = text(f.MsgType) ?? '';
  const event = text(f.Event);
  const changeType = text(f.ChangeType);
  if (msgType === 'event' && event === 'change_external_contact') {
    switch (changeType) {
      case 'add_external_contact':
      case 'add_half_external_contact':
        return {
          ...base,
          kind: 'contact.added',
          changeType,
          userId: required(f, 'UserID'),
          externalUserId: required(f, 'ExternalUserID'),
          state: text(f.State) || undefined,
          welcomeCode: text(f.WelcomeCode) || undefined,
        };
      case 'edit_external_contact':
        return { ...base, kind: 'contact.edited', userId: required(f, 'UserID'), externalUserId: required(f, 'ExternalUserID') };
      case 'del_external_contact':
      case 'del_follow_user':
        return {
          ...base,
          kind: 'contact.deleted',
          changeType,
          userId: required(f, 'UserID'),
          externalUserId: required(f, 'ExternalUserID'),
          source: text(f.Source) || undefined,
        };
      case 'transfer_fail':
        return {
          ...base,
          kind: 'contact.transfer_failed',
          userId: required(f, 'UserID'),
          externalUserId: required(f, 'ExternalUserID'),
          failReason: text(f.FailReason) || undefined,
        };
    }
  }
  if (msgType === 'event' && event === 'change_external_chat' && (changeType === 'create' || changeType === 'update' || changeType === 'dismiss')) {
    return {
      ...base,
      kind: 'group.changed',
      changeType,
      chatId: required(f, 'ChatId'),
      updateDetail: text(f.UpdateDetail) || undefined,
      joinScene: optionalInt(f, 'JoinScene'),
      quitScene: optionalInt(f, 'QuitScene'),
      memberIds: memberList(f.MemChangeList),
      lastMemVer: text(f.LastMemVer) || undefined,
      curMemVer: text(f.CurMemVer) || undefined,
    };
  }
  if (msgType === 'event' && event === 'change_external_tag') {
    return { ...base, kind: 'tag.changed', changeType: changeType ?? '', tagType: text(f.TagType) ?? '', id: text(f.Id) ?? '' };
  }
  if (msgType === 'event' && event === 'msgaudit_notify') {
    return { ...base, kind: 'archive.notify' };
  }
  return { ...base, kind: 'unknown', msgType, event, changeType };
}

/**
 * Keys are stored in 191-character columns. A longer one (long ids are allowed up to WeCom's
 * bounds) keeps its readable start and ends in a hash of the whole, so two events never share a
 * key because their first 191 characters agree.
 */
function bounded(key: string): string {
  if (key.length <= 191) return key;
  return `${key.slice(0, 150)}#${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}

function keysFor(event: WecomEvent, fields: Record<string, XmlNode | XmlNode[] | undefined>, plaintext: string) {
  const keys = rawKeysFor(event, fields, plaintext);
  return { dedupKey: bounded(keys.dedupKey), partitionKey: bounded(keys.partitionKey) };
}

function rawKeysFor(event: WecomEvent, fields: Record<string, XmlNode | XmlNode[] | undefined>, plaintext: string) {
  const t = event.createTime;
  switch (event.kind) {
    case 'contact.added':
    case 'contact.edited':
    case 'contact.deleted':
    case 'contact.transfer_failed':
      return {
        dedupKey: `contact:${text(fields.ChangeType)}:${event.userId}:${event.externalUserId}:${t}`,
        partitionKey: `contact:${event.externalUserId}`,
      };
    case 'group.changed':
      return {
        dedupKey: `chat:${event.changeType}:${event.updateDetail ?? ''}:${event.chatId}:${event.curMemVer ?? ''}:${t}`,
        partitionKey: `chat:${event.chatId}`,
      };
    case 'tag.changed':
      return { dedupKey: `tag:${event.changeType}:${event.tagType}:${event.id}:${t}`, partitionKey: 'tags' };
    case 'archive.notify':
      return { dedupKey: `archive:${t}`, partitionKey: 'archive' };
    case 'unknown': {
      const msgId = text(fields.MsgId);
      // The whole plaintext identifies a retry of an event we do not model.
      const digest = createHash('sha256').update(plaintext).digest('hex').slice(0, 40);
      return { dedupKey: msgId ? `msg:${msgId}` : `raw:${digest}`, partitionKey: 'unknown' };
    }
  }
}

/**
 * The longest value WeCom sends for each id, in characters (wecom-reference.md, and WeCom's
 * admin docs where the reference is silent). A longer one cannot come from WeCom: it is refused
 * at intake rather than stored, where it would overflow a column on MySQL and be retried until
 * dead-lettered.
 */
export const ID_MAX_LENGTH = {
  /** A member's UserID: 1-64 bytes (WeCom's member rules; our user_id columns are varchar(64)). */
  UserID: 64,
  /** external_userid: no documented limit; real ones are 32 characters. Generous, = lead.external_user_id. */
  ExternalUserID: 128,
  /** Group chat id: no documented limit; real ones are 32 characters. = group_chat.chat_id. */
  ChatId: 128,
  /** 「联系我」 / 加入群聊 state: ≤30 characters (add_contact_way, add_join_way). = lead_relation.state. */
  State: 30,
  /** welcome_code: no documented limit; generous (it is only passed back to WeCom). */
  WelcomeCode: 256,
  /** A member id in MemChangeList: a UserID or an external_userid. */
  MemChangeList: 128,
  /** Member-list versions: 32 hex characters in WeCom's samples. = group_chat.member_version. */
  MemVer: 64,
  /** Corp tag or tag group id: no documented limit. = corp_tag.id. */
  TagId: 128,
} as const;

/** A decrypted, well-formed callback with a value longer than WeCom ever sends. */
export class CallbackFieldError extends Error {
  constructor(
    public readonly field: string,
    public readonly length: number,
    public readonly max: number,
  ) {
    super(`<${field}> is ${length} characters, more than ${max}`);
    this.name = 'CallbackFieldError';
  }
}

function checkLength(field: string, value: string | undefined, max: number): void {
  if (value !== undefined && value.length > max) throw new CallbackFieldError(field, value.length, max);
}

function checkIdLengths(event: WecomEvent): void {
  switch (event.kind) {
    case 'contact.added':
      checkLength('UserID', event.userId, ID_MAX_LENGTH.UserID);
      checkLength('ExternalUserID', event.externalUserId, ID_MAX_LENGTH.ExternalUserID);
      checkLength('State', event.state, ID_MAX_LENGTH.State);
      checkLength('WelcomeCode', event.welcomeCode, ID_MAX_LENGTH.WelcomeCode);
      return;
    case 'contact.edited':
    case 'contact.deleted':
    case 'contact.transfer_failed':
      checkLength('UserID', event.userId, ID_MAX_LENGTH.UserID);
      checkLength('ExternalUserID', event.externalUserId, ID_MAX_LENGTH.ExternalUserID);
      return;
    case 'group.changed':
      checkLength('ChatId', event.chatId, ID_MAX_LENGTH.ChatId);
      checkLength('LastMemVer', event.lastMemVer, ID_MAX_LENGTH.MemVer);
      checkLength('CurMemVer', event.curMemVer, ID_MAX_LENGTH.MemVer);
      for (const id of event.memberIds) checkLength('MemChangeList', id, ID_MAX_LENGTH.MemChangeList);
      return;
    case 'tag.changed':
      checkLength('Id', event.id, ID_MAX_LENGTH.TagId);
      return;
    case 'archive.notify':
    case 'unknown':
      return;
  }
}

/** Throws XmlError for a malformed or incomplete event, CallbackFieldError for an over-long id. */
export async function parseCallback(plaintext: string): Promise<ParsedCallback> {
  const fields = await parseXml(plaintext);
  const event = toEvent(fields);
  checkIdLengths(event);
  return { event, ...keysFor(event, fields, plaintext) };
}

/** The outer envelope of an encrypted POST: `<xml><ToUserName/><AgentID/><Encrypt/></xml>`. */
export async function parseEnvelope(body: string): Promise<{ toUserName?: string; encrypt: string }> {
  const fields = await parseXml(body);
  return { toUserName: text(fields.ToUserName), encrypt: required(fields, 'Encrypt') };
}
