import type { WecomClient } from './client';
import type { ContactDetails, GroupChatDetails } from './dto';
import { cleanJson } from '../util/clean-text';

// The reply shapes live in dto.ts, shared with the simulator; re-exported for existing importers.
export type { ContactDetails, ExternalContact, FollowUser, FollowUserTag, GroupChatDetails, GroupChatMember } from './dto';

/** Names, remarks and companies are typed by customers and reps: cleaned like any input. */
export async function getExternalContact(client: WecomClient, externalUserId: string): Promise<ContactDetails> {
  return cleanJson(await client.get<ContactDetails>('externalcontact/get', { external_userid: externalUserId })) as ContactDetails;
}

export async function getGroupChat(client: WecomClient, chatId: string): Promise<GroupChatDetails> {
  return cleanJson(await client.post<GroupChatDetails>('externalcontact/groupchat/get', { chat_id: chatId, need_name: 1 })) as GroupChatDetails;
}
