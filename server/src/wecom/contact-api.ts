import type { WecomClient } from './client';
import { cleanJson } from '../util/clean-text';

/** Shapes of the externalcontact replies Xiansuo reads (wecom-reference.md §4). */
export interface ExternalContact {
  external_userid: string;
  name?: string;
  avatar?: string;
  type?: number;
  gender?: number;
  unionid?: string;
  corp_name?: string;
  position?: string;
}

export interface FollowUserTag {
  group_name?: string;
  tag_name: string;
  tag_id?: string;
  type: number;
}

export interface FollowUser {
  userid: string;
  remark?: string;
  description?: string;
  createtime?: number;
  remark_mobiles?: string[];
  add_way?: number;
  oper_userid?: string;
  state?: string;
  tags?: FollowUserTag[];
}

export interface ContactDetails {
  external_contact: ExternalContact;
  follow_user: FollowUser[];
}

/** Names, remarks and companies are typed by customers and reps: cleaned like any input. */
export async function getExternalContact(client: WecomClient, externalUserId: string): Promise<ContactDetails> {
  return cleanJson(await client.get<ContactDetails>('externalcontact/get', { external_userid: externalUserId })) as ContactDetails;
}

export interface GroupChatDetails {
  group_chat: {
    chat_id: string;
    name?: string;
    owner?: string;
    create_time?: number;
    notice?: string;
    member_version?: string;
    member_list?: Array<{
      userid: string;
      type: number;
      unionid?: string;
      join_time?: number;
      join_scene?: number;
      invitor?: { userid?: string };
      group_nickname?: string;
      name?: string;
      state?: string;
    }>;
  };
}

export async function getGroupChat(client: WecomClient, chatId: string): Promise<GroupChatDetails> {
  return cleanJson(await client.post<GroupChatDetails>('externalcontact/groupchat/get', { chat_id: chatId, need_name: 1 })) as GroupChatDetails;
}
