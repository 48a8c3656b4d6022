import type { WecomClient } from '../../wecom/client';
import type { AddMsgTemplateResult, GroupMsgSendResult, GroupMsgTask } from '../../wecom/dto';
import type { PushContent } from './push.entity';

/**
 * The WeCom group-sending calls nurture makes (wecom-reference.md §4.4), paged to the end where
 * WeCom pages. All go through the 客户联系 client, which paces them under the corp's limits.
 */

/** add_msg_template, chat_type single, from `sender`. Not retried on a network error: WeCom may have created it (reconcile-push.ts). */
export function addMsgTemplate(client: WecomClient, sender: string, externalUserIds: string[], content: PushContent): Promise<AddMsgTemplateResult> {
  return client.post<AddMsgTemplateResult>(
    'externalcontact/add_msg_template',
    { chat_type: 'single', sender, external_userid: externalUserIds, allow_select: false, ...content },
    { retryOnNetworkError: false },
  );
}

async function allPages<T>(fetch: (cursor: string) => Promise<{ items: T[]; next_cursor?: string }>): Promise<T[]> {
  const all: T[] = [];
  let cursor = '';
  // A bound against a cursor that never ends: 1,000 pages of 1,000 is far more than one message has.
  for (let page = 0; page < 1000; page++) {
    const reply = await fetch(cursor);
    all.push(...reply.items);
    if (!reply.next_cursor) break;
    cursor = reply.next_cursor;
  }
  return all;
}

export function groupMessageTasks(client: WecomClient, msgid: string): Promise<GroupMsgTask[]> {
  return allPages(async (cursor) => {
    const r = await client.post<{ task_list?: GroupMsgTask[]; next_cursor?: string }>('externalcontact/get_groupmsg_task', { msgid, limit: 1000, cursor });
    return { items: r.task_list ?? [], next_cursor: r.next_cursor };
  });
}

export function groupMessageResults(client: WecomClient, msgid: string, userid: string): Promise<GroupMsgSendResult[]> {
  return allPages(async (cursor) => {
    const r = await client.post<{ send_list?: GroupMsgSendResult[]; next_cursor?: string }>('externalcontact/get_groupmsg_send_result', { msgid, userid, limit: 1000, cursor });
    return { items: r.send_list ?? [], next_cursor: r.next_cursor };
  });
}

/** One message of get_groupmsg_list_v2. */
export interface ListedGroupMessage {
  msgid: string;
  creator?: string;
  create_type?: number;
  text?: { content: string };
  attachments?: Array<{ msgtype: string }>;
  create_time?: number;
}

/** The corp-created (API) single-chat messages created in [startSec, endSec]. */
export function listGroupMessages(client: WecomClient, startSec: number, endSec: number): Promise<ListedGroupMessage[]> {
  return allPages(async (cursor) => {
    const r = await client.post<{ group_msg_list?: ListedGroupMessage[]; next_cursor?: string }>('externalcontact/get_groupmsg_list_v2', {
      chat_type: 'single',
      start_time: startSec,
      end_time: endSec,
      filter_type: 0,
      limit: 100,
      cursor,
    });
    return { items: r.group_msg_list ?? [], next_cursor: r.next_cursor };
  });
}

/** remind_groupmsg_send: once, no retry (a 45009 here means this message's reminders are used up). */
export function remindGroupMessage(client: WecomClient, msgid: string): Promise<unknown> {
  return client.post('externalcontact/remind_groupmsg_send', { msgid }, { maxAttempts: 1 });
}

export function cancelGroupMessage(client: WecomClient, msgid: string): Promise<unknown> {
  return client.post('externalcontact/cancel_groupmsg_send', { msgid }, { retryOnNetworkError: true });
}
