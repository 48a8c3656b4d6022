import { ApiError, Errcode, invalidParameter } from '../errors';
import { newMsgId } from '../ids';
import type { SendResult } from '../stores/templates';
import { messageContent, optionalInt, optionalString, requiredString, requireMember, stringArray } from './params';
import type { Routes } from './route';

/**
 * Group sending (wecom-reference.md §4.4). Nothing is delivered until the rep confirms;
 * tests play that with `state.confirmTemplate(msgid)`.
 */

export const templateRoutes: Routes = {
  'externalcontact/add_msg_template': {
    method: 'POST',
    handle: ({ state, body, now }) => {
      const chatType = optionalString(body, 'chat_type') ?? 'single';
      if (chatType !== 'single' && chatType !== 'group') throw invalidParameter('chat_type must be single or group');
      const sender = optionalString(body, 'sender') || undefined;
      if (sender) requireMember(state, sender);
      const content = messageContent(body);
      const recipients: SendResult[] = [];
      const fail_list: string[] = [];

      if (chatType === 'single') {
        const requested = stringArray(body, 'external_userid');
        if (requested.length > 10_000) throw invalidParameter('external_userid exceeds 10000 entries');
        if (requested.length === 0 && !sender) throw invalidParameter('external_userid and sender cannot both be empty');
        const targets = requested.length > 0 ? [...new Set(requested)] : state.customersOf(sender!);
        for (const externalUserId of targets) {
          // Without a sender, the task goes to the customer's earliest follower (WeCom creates one per follower).
          const relation = sender ? state.follow(sender, externalUserId) : state.followersOf(externalUserId)[0];
          if (relation) recipients.push({ external_userid: externalUserId, userid: relation.userid, status: 0 });
          else fail_list.push(externalUserId);
        }
      } else {
        if (!sender) throw invalidParameter('sender is required for chat_type group');
        const chatIds = stringArray(body, 'chat_id_list');
        if (chatIds.length > 2000) throw invalidParameter('chat_id_list exceeds 2000 entries');
        const targets = chatIds.length > 0 ? chatIds : [...state.groupChats.values()].filter((g) => g.owner === sender).map((g) => g.chat_id);
        for (const chatId of targets) {
          if (state.groupChats.get(chatId)?.owner === sender) recipients.push({ chat_id: chatId, userid: sender, status: 0 });
          else fail_list.push(chatId);
        }
      }
      if (recipients.length === 0) throw new ApiError(Errcode.noSendableCustomer, 'no valid customer or group to send to');

      const msgid = newMsgId();
      state.templates.set(msgid, { msgid, chat_type: chatType, sender, ...content, createdAt: now(), recipients });
      return { msgid, fail_list };
    },
  },

  'externalcontact/get_groupmsg_send_result': {
    method: 'POST',
    handle: ({ state, body }) => {
      const msgid = requiredString(body, 'msgid');
      const userid = requiredString(body, 'userid');
      const template = state.templates.get(msgid);
      if (!template) throw invalidParameter(`msgid ${msgid} not found`);
      const limit = optionalInt(body, 'limit') ?? 500;
      if (limit < 1 || limit > 1000) throw invalidParameter('limit must be 1..1000');
      const offset = Number(optionalString(body, 'cursor') || 0);
      if (!Number.isInteger(offset) || offset < 0) throw invalidParameter('cursor');
      const mine = template.recipients.filter((r) => r.userid === userid);
      return {
        send_list: mine.slice(offset, offset + limit).map((r) => ({ ...r })),
        next_cursor: offset + limit < mine.length ? String(offset + limit) : '',
      };
    },
  },
};
