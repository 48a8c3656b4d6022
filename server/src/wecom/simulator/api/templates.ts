import type { GroupMsgListItem, MessageAttachment } from '../../dto';
import { ApiError, Errcode, invalidParameter } from '../errors';
import { newMsgId } from '../ids';
import type { SimulatorState } from '../state';
import type { MessageTemplate, SendResult } from '../stores/templates';
import { seconds } from '../stores/time';
import { messageContent, objectField, optionalBool, optionalInt, optionalString, requiredString, requireMember, stringArray, utf8Length } from './params';
import type { Routes } from './route';

/**
 * Group sending (wecom-reference.md §4.4): add_msg_template creates a task per member; nothing is
 * delivered until the member confirms in the WeCom client, which tests play with
 * `state.confirmGroupMessage(msgid, userid)` (results 1 sent, 2 not a friend, 3 over the corp's
 * per-customer cap). Then get_groupmsg_task / get_groupmsg_send_result read the results,
 * remind_groupmsg_send nudges members (at most 3 times per message in 24 h) and
 * cancel_groupmsg_send stops what is not sent yet. get_groupmsg_list_v2 lists the messages created
 * in a time window, which is how a caller recovers the msgid of a send whose reply was lost;
 * messages members write in the client themselves (create_type 1) come from
 * `state.addMemberGroupMessage`.
 *
 * Simulator choices where WeCom's pages are silent: without `sender`, a customer's task goes to
 * the member who added them first (WeCom picks the member who last chatted with them); a
 * cancelled message answers 40058 to remind; tag_filter is refused (not modelled); a corp
 * message's `creator` in get_groupmsg_list_v2 is its `sender` (absent without one), so the
 * `creator` filter finds corp messages by the sender named in add_msg_template.
 */

export const MAX_REMINDERS_PER_DAY = 3;
const DEFAULT_PAGE = 500;
const MAX_PAGE = 1000;
/** get_groupmsg_list_v2 pages by 50, at most 100 (WeCom's numbers for that API). */
const LIST_PAGE = { default: 50, max: 100 };
/** get_groupmsg_list_v2's window may span at most a month; 31 days so that any calendar month fits. */
const MAX_LIST_WINDOW_SECONDS = 31 * 86_400;
const DAY_MS = 86_400_000;

function requireTemplate(state: SimulatorState, body: Record<string, unknown>): MessageTemplate {
  const msgid = requiredString(body, 'msgid');
  const template = state.templates.get(msgid);
  if (!template) throw invalidParameter(`msgid ${msgid} not found`);
  return template;
}

/**
 * limit: at most 1000, default 500 unless `sizes` says otherwise; like WeCom, a value over the
 * maximum falls back to the default.
 */
function page<T>(
  body: Record<string, unknown>,
  all: T[],
  sizes: { default: number; max: number } = { default: DEFAULT_PAGE, max: MAX_PAGE },
): { items: T[]; next_cursor: string } {
  const requested = optionalInt(body, 'limit') ?? 0;
  if (requested < 0) throw invalidParameter('limit must not be negative');
  const limit = requested === 0 || requested > sizes.max ? sizes.default : requested;
  const cursor = optionalString(body, 'cursor') || '0';
  const offset = Number(cursor);
  if (!/^\d+$/.test(cursor) || offset > all.length) throw invalidParameter('cursor');
  return { items: all.slice(offset, offset + limit), next_cursor: offset + limit < all.length ? String(offset + limit) : '' };
}

function requiredSeconds(body: Record<string, unknown>, name: string): number {
  const value = optionalInt(body, name);
  if (value === undefined) throw invalidParameter(`${name} is required`);
  if (value < 0) throw invalidParameter(`${name} must not be negative`);
  return value;
}

/** filter_type: 0 corp-created only, 1 member-created only, 2 (default) both. */
function createTypeFilter(body: Record<string, unknown>): 0 | 1 | undefined {
  const filterType = optionalInt(body, 'filter_type') ?? 2;
  if (filterType !== 0 && filterType !== 1 && filterType !== 2) throw invalidParameter('filter_type must be 0, 1 or 2');
  return filterType === 2 ? undefined : filterType;
}

function listItem(t: MessageTemplate): GroupMsgListItem {
  return {
    msgid: t.msgid,
    ...(t.sender ? { creator: t.sender } : {}),
    create_type: t.createType,
    ...(t.text ? { text: { ...t.text } } : {}),
    ...(t.attachments.length > 0 ? { attachments: t.attachments as MessageAttachment[] } : {}),
    create_time: seconds(t.createdAt),
  };
}

function field(attachment: Record<string, unknown>, type: string): Record<string, unknown> {
  const content = objectField(attachment, type);
  if (!content) throw invalidParameter(`attachment ${type} needs a ${type} object`);
  return content;
}

function maxBytes(source: Record<string, unknown>, name: string, max: number, required: boolean): void {
  const value = required ? requiredString(source, name) : optionalString(source, name);
  if (value !== undefined && utf8Length(value) > max) throw invalidParameter(`${name} exceeds ${max} bytes`);
}

/** The shape of each attachment (wecom-reference.md §4.3, the same as send_welcome_msg's). */
function checkAttachments(attachments: unknown[]): void {
  for (const a of attachments as Record<string, unknown>[]) {
    const type = String(a.msgtype);
    const content = field(a, type);
    if (type === 'image') {
      if (!optionalString(content, 'media_id') && !optionalString(content, 'pic_url')) throw invalidParameter('image needs media_id or pic_url');
    } else if (type === 'link') {
      maxBytes(content, 'title', 128, true);
      maxBytes(content, 'desc', 512, false);
      maxBytes(content, 'url', 2048, true);
      optionalString(content, 'picurl');
    } else if (type === 'miniprogram') {
      maxBytes(content, 'title', 64, true);
      requiredString(content, 'pic_media_id');
      requiredString(content, 'appid');
      requiredString(content, 'page');
    } else {
      requiredString(content, 'media_id');
    }
  }
}

export const templateRoutes: Routes = {
  'externalcontact/add_msg_template': {
    method: 'POST',
    handle: ({ state, body, now }) => {
      const chatType = optionalString(body, 'chat_type') || 'single';
      if (chatType !== 'single' && chatType !== 'group') throw invalidParameter('chat_type must be single or group');
      const sender = optionalString(body, 'sender') || undefined;
      if (sender) requireMember(state, sender);
      if (body.tag_filter !== undefined && body.tag_filter !== null) throw invalidParameter('tag_filter is not modelled by the simulator');
      const allowSelect = optionalBool(body, 'allow_select') ?? false;
      const content = messageContent(body);
      checkAttachments(content.attachments);
      const recipients: SendResult[] = [];
      const fail_list: string[] = [];

      if (chatType === 'single') {
        const requested = stringArray(body, 'external_userid');
        if (requested.length > 10_000) throw invalidParameter('external_userid exceeds 10000 entries');
        if (requested.length === 0 && !sender) throw invalidParameter('external_userid and sender cannot both be empty');
        const targets = requested.length > 0 ? [...new Set(requested)] : state.customersOf(sender!);
        for (const externalUserId of targets) {
          const relation = sender ? state.follow(sender, externalUserId) : state.followersOf(externalUserId)[0];
          if (relation) recipients.push({ external_userid: externalUserId, userid: relation.userid, status: 0 });
          else fail_list.push(externalUserId);
        }
      } else {
        if (!sender) throw invalidParameter('sender is required for chat_type group');
        const chatIds = stringArray(body, 'chat_id_list');
        if (chatIds.length > 2000) throw invalidParameter('chat_id_list exceeds 2000 entries');
        const targets = chatIds.length > 0 ? [...new Set(chatIds)] : [...state.groupChats.values()].filter((g) => g.owner === sender).map((g) => g.chat_id);
        for (const chatId of targets) {
          if (state.groupChats.get(chatId)?.owner === sender) recipients.push({ chat_id: chatId, userid: sender, status: 0 });
          else fail_list.push(chatId);
        }
      }
      if (recipients.length === 0) throw new ApiError(Errcode.noSendableCustomer, 'no valid customer or group to send to');

      const msgid = newMsgId();
      const members = [...new Set(recipients.map((r) => r.userid))];
      state.templates.set(msgid, {
        msgid,
        chat_type: chatType,
        sender,
        createType: 0,
        allow_select: allowSelect,
        ...content,
        createdAt: now(),
        recipients,
        tasks: members.map((userid) => ({ userid, status: 0 })),
        reminders: [],
      });
      return { msgid, fail_list };
    },
  },

  'externalcontact/get_groupmsg_list_v2': {
    method: 'POST',
    handle: ({ state, body }) => {
      const chatType = optionalString(body, 'chat_type') || 'single';
      if (chatType !== 'single' && chatType !== 'group') throw invalidParameter('chat_type must be single or group');
      const startTime = requiredSeconds(body, 'start_time');
      const endTime = requiredSeconds(body, 'end_time');
      if (endTime < startTime) throw invalidParameter('end_time is before start_time');
      if (endTime - startTime > MAX_LIST_WINDOW_SECONDS) throw invalidParameter('start_time to end_time exceeds one month');
      const creator = optionalString(body, 'creator') || undefined;
      if (creator) requireMember(state, creator);
      const createType = createTypeFilter(body);
      const { items, next_cursor } = page(
        body,
        state.stores.templates.query({ chatType, startTime, endTime, creator, createType }),
        LIST_PAGE,
      );
      return { group_msg_list: items.map(listItem), next_cursor };
    },
  },

  'externalcontact/get_groupmsg_task': {
    method: 'POST',
    handle: ({ state, body }) => {
      const template = requireTemplate(state, body);
      const { items, next_cursor } = page(body, template.tasks);
      return { task_list: items.map((t) => ({ ...t })), next_cursor };
    },
  },

  'externalcontact/get_groupmsg_send_result': {
    method: 'POST',
    handle: ({ state, body }) => {
      const template = requireTemplate(state, body);
      const userid = requiredString(body, 'userid');
      const { items, next_cursor } = page(
        body,
        template.recipients.filter((r) => r.userid === userid),
      );
      return { send_list: items.map((r) => ({ ...r })), next_cursor };
    },
  },

  'externalcontact/remind_groupmsg_send': {
    method: 'POST',
    handle: ({ state, body, now }) => {
      const template = requireTemplate(state, body);
      if (template.cancelledAt !== undefined) throw invalidParameter(`msgid ${template.msgid} was cancelled`);
      const at = now();
      const recent = template.reminders.filter((t) => at - t < DAY_MS);
      if (recent.length >= MAX_REMINDERS_PER_DAY) {
        throw new ApiError(Errcode.remindLimitExceeded, `at most ${MAX_REMINDERS_PER_DAY} reminders per group message in 24 hours`);
      }
      template.reminders.push(at);
      return {};
    },
  },

  'externalcontact/cancel_groupmsg_send': {
    method: 'POST',
    handle: ({ state, body, now }) => {
      const template = requireTemplate(state, body);
      template.cancelledAt ??= now();
      return {};
    },
  },
};
