import { ApiError, Errcode, invalidParameter } from '../errors';
import type { SimulatorState } from '../state';

/** Small readers for request fields; malformed input answers 40058 like a WeCom parameter error. */

export function requiredString(source: Record<string, unknown>, name: string): string {
  const value = source[name];
  if (typeof value !== 'string' || value === '') throw invalidParameter(`${name} is required`);
  return value;
}

export function optionalString(source: Record<string, unknown>, name: string): string | undefined {
  const value = source[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`${name} must be a string`);
  return value;
}

export function optionalInt(source: Record<string, unknown>, name: string): number | undefined {
  const value = source[name];
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw invalidParameter(`${name} must be an integer`);
  return n;
}

export function stringArray(source: Record<string, unknown>, name: string): string[] {
  const value = source[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalidParameter(`${name} must be a string array`);
  return value as string[];
}

export function objectField(source: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const value = source[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParameter(`${name} must be an object`);
  return value as Record<string, unknown>;
}

export function optionalBool(source: Record<string, unknown>, name: string): boolean | undefined {
  const value = source[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  throw invalidParameter(`${name} must be a boolean`);
}

/** Members are always checked: an unregistered userid is 40003 (register them with state.addMember). */
export function requireMember(state: SimulatorState, userid: string): void {
  if (!state.hasMember(userid)) throw new ApiError(Errcode.invalidUserId, `invalid userid ${userid}`);
}

export function requireContact(state: SimulatorState, externalUserId: string): void {
  if (!state.contacts.has(externalUserId)) {
    throw new ApiError(Errcode.invalidExternalUserId, `invalid external_userid ${externalUserId}`);
  }
}

export const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8');

/** `text` + `attachments` as used by send_welcome_msg and add_msg_template (wecom-reference.md §4.3). */
export function messageContent(body: Record<string, unknown>): { text?: { content: string }; attachments: unknown[] } {
  const text = objectField(body, 'text');
  let content: string | undefined;
  if (text) {
    content = requiredString(text, 'content');
    if (utf8Length(content) > 4000) throw invalidParameter('text.content exceeds 4000 bytes');
  }
  const attachments = body.attachments ?? [];
  if (!Array.isArray(attachments)) throw invalidParameter('attachments must be an array');
  if (attachments.length > 9) throw invalidParameter('at most 9 attachments');
  for (const a of attachments) {
    const msgtype = a && typeof a === 'object' ? (a as Record<string, unknown>).msgtype : undefined;
    if (!['image', 'link', 'miniprogram', 'video', 'file'].includes(String(msgtype))) {
      throw invalidParameter(`attachment msgtype ${String(msgtype)}`);
    }
  }
  if (content === undefined && attachments.length === 0) throw invalidParameter('text or attachments is required');
  return { ...(content !== undefined ? { text: { content } } : {}), attachments };
}
