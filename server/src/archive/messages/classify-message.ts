import { isRobotId } from '../../wecom/ids';
import type { ArchivedMessage } from './archived-message';
import type { SenderKind } from './chat-message.entity';

/**
 * Which conversation an archived message belongs to, from its ids alone: a 1:1 chat between a
 * rep and a customer, a group chat with customers in it, or something not stored (an internal
 * chat between members, a robot, a `switch` notice), or a recall of an earlier message.
 *
 * External contacts' ids start with `wm` or `wo` (WeCom's external_userid; robots are `wb…`).
 * A member's userid is chosen by the corp and could start the same way, so an id the directory or
 * the archive's permit list knows as a member is a member whatever it looks like.
 */
export type Conversation =
  | { kind: 'direct'; userId: string; externalUserId: string; senderKind: SenderKind }
  | { kind: 'group'; roomId: string; senderKind: SenderKind; sender: string; memberIds: string[]; externalUserIds: string[] }
  | { kind: 'recall'; preMsgid: string }
  | { kind: 'switch'; userId: string }
  | { kind: 'skip'; reason: 'internal' | 'malformed' };

const EXTERNAL_ID = /^w[mo][A-Za-z0-9_-]+$/;

export function classifyMessage(message: ArchivedMessage, isMember: (id: string) => boolean): Conversation {
  if (message.action === 'switch') return { kind: 'switch', userId: String(message.user ?? '') };
  if (message.action === 'recall') {
    const pre = (message.revoke as { pre_msgid?: unknown } | undefined)?.pre_msgid;
    return typeof pre === 'string' && pre ? { kind: 'recall', preMsgid: pre } : { kind: 'skip', reason: 'malformed' };
  }
  const from = typeof message.from === 'string' ? message.from : '';
  const tolist = Array.isArray(message.tolist) ? message.tolist.filter((id): id is string => typeof id === 'string' && id !== '') : [];
  if (!from || typeof message.msgtime !== 'number' || !message.msgtype) return { kind: 'skip', reason: 'malformed' };
  const isCustomer = (id: string) => EXTERNAL_ID.test(id) && !isMember(id);
  const senderKind: SenderKind = isCustomer(from) ? 'customer' : 'member';
  const roomId = typeof message.roomid === 'string' ? message.roomid : '';

  if (roomId) {
    const everyone = [from, ...tolist];
    const externalUserIds = everyone.filter(isCustomer);
    // A group with no customer in it is an internal group: not the SCRM's to keep.
    if (externalUserIds.length === 0) return { kind: 'skip', reason: 'internal' };
    const memberIds = everyone.filter((id) => !isCustomer(id) && !isRobotId(id));
    return { kind: 'group', roomId, senderKind, sender: from, memberIds, externalUserIds };
  }
  const to = tolist[0] ?? '';
  if (senderKind === 'customer') return to && !isCustomer(to) && !isRobotId(to) ? { kind: 'direct', userId: to, externalUserId: from, senderKind } : { kind: 'skip', reason: 'internal' };
  return isCustomer(to) && !isRobotId(from) ? { kind: 'direct', userId: from, externalUserId: to, senderKind } : { kind: 'skip', reason: 'internal' };
}
