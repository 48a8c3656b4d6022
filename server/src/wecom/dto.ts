/**
 * WeCom reply shapes (wecom-reference.md §4), declared once for the client (contact-api.ts) and
 * the simulator. Fields WeCom may leave out are optional here, because the client has to read
 * real replies defensively; the simulator's stored records narrow the ones it always fills in
 * (see simulator/stores/*), so both sides agree on every field's name and type.
 */

/** `external_contact` of externalcontact/get. */
export interface ExternalContact {
  external_userid: string;
  name?: string;
  avatar?: string;
  /** 1 WeChat user, 2 WeCom user. */
  type?: number;
  /** 0 unknown, 1 male, 2 female. */
  gender?: number;
  /** Only when the corp has a WeChat developer id bound. */
  unionid?: string;
  position?: string;
  corp_name?: string;
  corp_full_name?: string;
}

/** One entry of `follow_user[].tags`. */
export interface FollowUserTag {
  group_name?: string;
  tag_name: string;
  /** Absent for personal tags (type 2). */
  tag_id?: string;
  /** 1 corp tag, 2 personal tag, 3 rule-group tag. */
  type: number;
}

/** One member's relation with the customer: `follow_user[]` of externalcontact/get. */
export interface FollowUser {
  userid: string;
  remark?: string;
  description?: string;
  createtime?: number;
  remark_corp_name?: string;
  remark_mobiles?: string[];
  /** How the customer was added (1 QR code, 2 phone search, …; wecom-reference.md §4). */
  add_way?: number;
  oper_userid?: string;
  /** The 「联系我」 way's state the customer came through: Xiansuo's channel key. */
  state?: string;
  tags?: FollowUserTag[];
}

/** Reply of externalcontact/get. */
export interface ContactDetails {
  external_contact: ExternalContact;
  follow_user: FollowUser[];
}

/** One entry of `group_chat.member_list[]` (wecom-reference.md §4.5). */
export interface GroupChatMember {
  userid: string;
  /** 1 corp member, 2 external contact. */
  type: number;
  unionid?: string;
  join_time?: number;
  /** 1 invited directly, 2 invitation link, 3 group QR code. */
  join_scene?: number;
  invitor?: { userid?: string };
  group_nickname?: string;
  /** Only with need_name=1. */
  name?: string;
  /** The 「加入群聊」 way's state the member joined through. */
  state?: string;
}

/** `group_chat` of externalcontact/groupchat/get. */
export interface GroupChat {
  chat_id: string;
  name?: string;
  owner?: string;
  create_time?: number;
  notice?: string;
  member_version?: string;
  member_list?: GroupChatMember[];
  admin_list?: { userid: string }[];
}

/** Reply of externalcontact/groupchat/get. */
export interface GroupChatDetails {
  group_chat: GroupChat;
}

/** One tag of `tag_group[].tag` (get_corp_tag_list, add_corp_tag). */
export interface CorpTag {
  id: string;
  name: string;
  create_time?: number;
  /** Larger first, [0, 2^32). */
  order?: number;
  deleted?: boolean;
}

/** One entry of `tag_group[]`. */
export interface TagGroup {
  group_id: string;
  group_name: string;
  create_time?: number;
  order?: number;
  deleted?: boolean;
  tag?: CorpTag[];
}

/** `contact_way` of get_contact_way (wecom-reference.md §4.1). */
export interface ContactWay {
  config_id: string;
  /** 1 single member, 2 several members. */
  type: number;
  /** 1 mini-program button, 2 QR code. */
  scene: number;
  style?: number;
  remark?: string;
  skip_verify?: boolean;
  state?: string;
  user?: string[];
  party?: number[];
  is_temp?: boolean;
  expires_in?: number;
  chat_expires_in?: number;
  unionid?: string;
  /** Only for scene 2. */
  qr_code?: string;
}

/** One entry of get_groupmsg_send_result's `send_list[]` (wecom-reference.md §4.4). */
export interface GroupMsgSendResult {
  external_userid?: string;
  chat_id?: string;
  userid: string;
  /** 0 unsent, 1 sent, 2 not a friend (any more), 3 already received another group message. */
  status: number;
  send_time?: number;
}

/** One entry of `attachments[]` of add_msg_template and send_welcome_msg (wecom-reference.md §4.3). */
export type MessageAttachment =
  | { msgtype: 'image'; image: { media_id?: string; pic_url?: string } }
  | { msgtype: 'link'; link: { title: string; picurl?: string; desc?: string; url: string } }
  | { msgtype: 'miniprogram'; miniprogram: { title: string; pic_media_id: string; appid: string; page: string } }
  | { msgtype: 'video'; video: { media_id: string } }
  | { msgtype: 'file'; file: { media_id: string } };

/** Request of externalcontact/add_msg_template (wecom-reference.md §4.4). */
export interface AddMsgTemplateRequest {
  /** `single` (default): customers; `group`: customer groups. */
  chat_type?: 'single' | 'group';
  /** single only, at most 10,000; not empty together with `sender`. */
  external_userid?: string[];
  /** group only, at most 2,000. */
  chat_id_list?: string[];
  /** The member who sends (confirms) the message; required for `group`. */
  sender?: string;
  allow_select?: boolean;
  text?: { content: string };
  /** At most 9. */
  attachments?: MessageAttachment[];
}

/** Reply of add_msg_template: the task's id and the recipients it could not take. */
export interface AddMsgTemplateResult {
  msgid: string;
  fail_list?: string[];
}

/** One entry of get_groupmsg_task's `task_list[]`: one member's part of a group message. */
export interface GroupMsgTask {
  userid: string;
  /** 0 not sent yet, 2 sent (the member confirmed it). */
  status: number;
  send_time?: number;
}

/**
 * One entry of get_groupmsg_list_v2's `group_msg_list[]`: a group message created in the window,
 * by the corp through add_msg_template (create_type 0) or by a member in the client (1). It is how
 * a caller finds the msgid of a send whose add_msg_template reply was lost.
 */
export interface GroupMsgListItem {
  msgid: string;
  /** The member who created (or, for corp messages, was named to send) it; absent when none was. */
  creator?: string;
  /** 0 created by the corp (API), 1 created by a member in the WeCom client. */
  create_type: number;
  text?: { content: string };
  attachments?: MessageAttachment[];
  /** Seconds. */
  create_time: number;
}
