import { BoundedLog } from './bounded-log';
import { ApiError, Errcode } from './errors';
import {
  memberVersion,
  newChatId,
  newExternalUserId,
  newLoginCode,
  newTagId,
  newWelcomeCode,
  randomAlphanumeric,
} from './ids';

/**
 * The simulated corp: everything the WeCom APIs read or change, kept in memory.
 * Field names follow WeCom's JSON (wecom-reference.md §4) so API handlers can return records as-is.
 * Tests and the driver use the helper methods to arrange scenarios; API handlers add validation on top.
 */

export interface Member {
  userid: string;
  name: string;
}

export interface ExternalContact {
  external_userid: string;
  name: string;
  avatar: string;
  /** 1 WeChat user, 2 WeCom user. */
  type: 1 | 2;
  /** 0 unknown, 1 male, 2 female. */
  gender: 0 | 1 | 2;
  unionid?: string;
  position?: string;
  corp_name?: string;
  corp_full_name?: string;
}

export interface FollowTag {
  group_name: string;
  tag_name: string;
  tag_id: string;
  /** Always 1 (corp tag): the simulator does not model personal or rule-group tags. */
  type: 1;
}

export interface FollowUser {
  userid: string;
  remark: string;
  description: string;
  createtime: number;
  remark_corp_name?: string;
  remark_mobiles: string[];
  add_way: number;
  oper_userid: string;
  state?: string;
  tags: FollowTag[];
}

export interface ContactWay {
  config_id: string;
  /** 1 single member, 2 several members. */
  type: 1 | 2;
  /** 1 mini-program button, 2 QR code. */
  scene: 1 | 2;
  style?: number;
  remark: string;
  skip_verify: boolean;
  state: string;
  user: string[];
  party: number[];
  is_temp: boolean;
  expires_in?: number;
  chat_expires_in?: number;
  unionid?: string;
  /** Only for scene 2. */
  qr_code?: string;
}

export interface CorpTag {
  id: string;
  name: string;
  create_time: number;
  order: number;
  deleted: false;
}

export interface TagGroup {
  group_id: string;
  group_name: string;
  create_time: number;
  order: number;
  deleted: false;
  tag: CorpTag[];
}

export interface GroupMember {
  userid: string;
  /** 1 corp member, 2 external contact. */
  type: 1 | 2;
  join_time: number;
  /** 1 invited directly, 2 invitation link, 3 group QR code. */
  join_scene: 1 | 2 | 3;
  invitor?: { userid: string };
  unionid?: string;
  group_nickname?: string;
  state?: string;
}

export interface GroupChat {
  chat_id: string;
  name: string;
  owner: string;
  create_time: number;
  notice: string;
  member_list: GroupMember[];
  admin_list: { userid: string }[];
  member_version: string;
  /** Revision counter behind member_version. */
  revision: number;
}

export interface WelcomeCode {
  code: string;
  userid: string;
  external_userid: string;
  issuedAt: number;
  usedAt?: number;
}

export interface WelcomeMessage {
  welcome_code: string;
  userid: string;
  external_userid: string;
  text?: { content: string };
  attachments: unknown[];
  at: number;
}

export interface SendResult {
  external_userid?: string;
  chat_id?: string;
  userid: string;
  /** 0 unsent, 1 sent, 2 not a friend (any more), 3 already received another group message. */
  status: 0 | 1 | 2 | 3;
  send_time?: number;
}

export interface MessageTemplate {
  msgid: string;
  chat_type: 'single' | 'group';
  sender?: string;
  text?: { content: string };
  attachments: unknown[];
  createdAt: number;
  recipients: SendResult[];
}

export interface AppMessage {
  msgid: string;
  agentid: number;
  msgtype: string;
  /** Valid recipients (after expanding `@all`). */
  touser: string[];
  invaliduser: string[];
  /** The msgtype-specific body, e.g. `{ content }` for text. */
  content: unknown;
  at: number;
  /** True when enable_duplicate_check suppressed the delivery. */
  deduplicated: boolean;
}

export interface LoginCode {
  code: string;
  userid: string;
  issuedAt: number;
  used: boolean;
}

export interface NewGroupMember {
  userid: string;
  /** Defaults to 1 when userid is a registered member, else 2. */
  type?: 1 | 2;
  joinScene?: 1 | 2 | 3;
  invitor?: string;
  unionid?: string;
  state?: string;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

export class SimulatorState {
  readonly members = new Map<string, Member>();
  readonly contacts = new Map<string, ExternalContact>();
  /** external_userid → (member userid → relation). */
  readonly follows = new Map<string, Map<string, FollowUser>>();
  readonly contactWays = new Map<string, ContactWay>();
  /** Groups in display order; ids are unique across groups and tags. */
  readonly tagGroups: TagGroup[] = [];
  readonly groupChats = new Map<string, GroupChat>();
  readonly welcomeCodes = new Map<string, WelcomeCode>();
  readonly welcomeMessages: WelcomeMessage[] = [];
  readonly templates = new Map<string, MessageTemplate>();
  readonly appMessages: BoundedLog<AppMessage>;
  readonly loginCodes = new Map<string, LoginCode>();
  /** message/send duplicate check: message key → time first delivered. */
  readonly recentAppMessages = new Map<string, number>();

  constructor(
    readonly corpId: string,
    private readonly now: () => number,
    maxRecords = 200_000,
  ) {
    this.appMessages = new BoundedLog<AppMessage>(maxRecords);
  }

  // ---- members and customers -------------------------------------------------------------

  addMember(userid: string, name = userid): Member {
    const member = { userid, name };
    this.members.set(userid, member);
    return member;
  }

  hasMember(userid: string): boolean {
    return this.members.has(userid);
  }

  addExternalContact(contact: Partial<ExternalContact> = {}): ExternalContact {
    const external_userid = contact.external_userid ?? newExternalUserId();
    const record: ExternalContact = {
      name: `客户${external_userid.slice(-4)}`,
      avatar: `https://wx.qlogo.cn/mmhead/sim/${external_userid}/0`,
      type: 1,
      gender: 0,
      ...contact,
      external_userid,
    };
    this.contacts.set(external_userid, record);
    return record;
  }

  /** Creates (or replaces) the relation "member `userid` has customer `externalUserId`". */
  addFollow(userid: string, externalUserId: string, fields: Partial<FollowUser> = {}): FollowUser {
    const relation: FollowUser = {
      remark: '',
      description: '',
      createtime: seconds(this.now()),
      remark_mobiles: [],
      add_way: 1,
      oper_userid: externalUserId,
      tags: [],
      ...fields,
      userid,
    };
    let byMember = this.follows.get(externalUserId);
    if (!byMember) this.follows.set(externalUserId, (byMember = new Map()));
    byMember.set(userid, relation);
    return relation;
  }

  follow(userid: string, externalUserId: string): FollowUser | undefined {
    return this.follows.get(externalUserId)?.get(userid);
  }

  removeFollow(userid: string, externalUserId: string): boolean {
    return this.follows.get(externalUserId)?.delete(userid) ?? false;
  }

  followersOf(externalUserId: string): FollowUser[] {
    return [...(this.follows.get(externalUserId)?.values() ?? [])];
  }

  customersOf(userid: string): string[] {
    const result: string[] = [];
    for (const [externalUserId, byMember] of this.follows) if (byMember.has(userid)) result.push(externalUserId);
    return result;
  }

  contactWayByState(state: string): ContactWay | undefined {
    for (const way of this.contactWays.values()) if (way.state === state) return way;
    return undefined;
  }

  // ---- corp tags ---------------------------------------------------------------------------

  findTag(tagId: string): { group: TagGroup; tag: CorpTag } | undefined {
    for (const group of this.tagGroups) {
      const tag = group.tag.find((t) => t.id === tagId);
      if (tag) return { group, tag };
    }
    return undefined;
  }

  findTagGroup(groupId: string): TagGroup | undefined {
    return this.tagGroups.find((g) => g.group_id === groupId);
  }

  tagCount(): number {
    return this.tagGroups.reduce((n, g) => n + g.tag.length, 0);
  }

  /**
   * Adds tags to a group, creating the group when it is named and does not exist yet
   * (like add_corp_tag). Returns the group with only the new tags, as the API does.
   */
  addCorpTags(
    target: { groupId?: string; groupName?: string; groupOrder?: number },
    tags: { name: string; order?: number }[],
  ): TagGroup {
    let group = target.groupId ? this.findTagGroup(target.groupId) : undefined;
    if (target.groupId && !group) throw new ApiError(Errcode.invalidTagId, `invalid tag group id ${target.groupId}`);
    if (!group && target.groupName !== undefined) group = this.tagGroups.find((g) => g.group_name === target.groupName);
    const names = new Set<string>();
    for (const { name } of tags) {
      if (names.has(name) || group?.tag.some((t) => t.name === name)) {
        throw new ApiError(Errcode.tagNameExists, `tag name exists: ${name}`);
      }
      names.add(name);
    }
    if (this.tagCount() + tags.length > 3000) throw new ApiError(Errcode.tagLimitExceeded, 'corp tag limit (3000) exceeded');
    const now = seconds(this.now());
    if (!group) {
      if (target.groupName === undefined) throw new ApiError(Errcode.invalidParameter, 'group_id or group_name is required');
      group = { group_id: newTagId(), group_name: target.groupName, create_time: now, order: target.groupOrder ?? 0, deleted: false, tag: [] };
      this.tagGroups.push(group);
    }
    const created: CorpTag[] = tags.map((t) => ({ id: newTagId(), name: t.name, create_time: now, order: t.order ?? 0, deleted: false }));
    group.tag.push(...created);
    return { ...group, tag: created };
  }

  /** Removes tags (and whole groups) everywhere, including from customers; empty groups disappear as in WeCom. */
  deleteCorpTags(tagIds: string[], groupIds: string[]): void {
    const tagSet = new Set(tagIds);
    const groupSet = new Set(groupIds);
    for (const group of this.tagGroups) {
      if (groupSet.has(group.group_id)) for (const tag of group.tag) tagSet.add(tag.id);
    }
    for (let i = this.tagGroups.length - 1; i >= 0; i--) {
      const group = this.tagGroups[i];
      group.tag = group.tag.filter((t) => !tagSet.has(t.id));
      if (group.tag.length === 0 || groupSet.has(group.group_id)) this.tagGroups.splice(i, 1);
    }
    for (const byMember of this.follows.values()) {
      for (const relation of byMember.values()) relation.tags = relation.tags.filter((t) => !tagSet.has(t.tag_id));
    }
  }

  /** Applies mark_tag to an existing relation (callers check that it exists). */
  markTags(relation: FollowUser, addTagIds: string[], removeTagIds: string[]): void {
    const remove = new Set(removeTagIds);
    relation.tags = relation.tags.filter((t) => !remove.has(t.tag_id));
    for (const id of addTagIds) {
      if (relation.tags.some((t) => t.tag_id === id)) continue;
      const found = this.findTag(id);
      if (!found) throw new ApiError(Errcode.invalidTagId, `invalid tag id ${id}`);
      relation.tags.push({ group_name: found.group.group_name, tag_name: found.tag.name, tag_id: id, type: 1 });
    }
  }

  // ---- welcome codes, templates, login codes ----------------------------------------------

  /** What WeCom does when a customer is added: a code valid for 20 s for one send_welcome_msg call. */
  issueWelcomeCode(userid: string, externalUserId: string): string {
    const code = newWelcomeCode();
    this.welcomeCodes.set(code, { code, userid, external_userid: externalUserId, issuedAt: this.now() });
    return code;
  }

  /** Plays the rep confirming a group-message task: their unsent recipients become sent (or "not a friend"). */
  confirmTemplate(msgid: string, userid?: string): MessageTemplate {
    const template = this.templates.get(msgid);
    if (!template) throw new Error(`unknown msgid ${msgid}`);
    const now = seconds(this.now());
    for (const r of template.recipients) {
      if (r.status !== 0 || (userid !== undefined && r.userid !== userid)) continue;
      const stillFriend = r.external_userid === undefined || this.follow(r.userid, r.external_userid) !== undefined;
      r.status = stillFriend ? 1 : 2;
      if (stillFriend) r.send_time = now;
    }
    return template;
  }

  /** What `wx.qy.login()` would hand the mini-program: a one-time code for jscode2session. */
  issueLoginCode(userid: string): string {
    const code = newLoginCode();
    this.loginCodes.set(code, { code, userid, issuedAt: this.now(), used: false });
    return code;
  }

  /** Remembers a delivered message for the duplicate check, forgetting ones older than `horizonMs`. */
  rememberAppMessage(key: string, at: number, horizonMs: number): void {
    // Delete first so the entry moves to the end of the insertion order the pruning relies on.
    this.recentAppMessages.delete(key);
    this.recentAppMessages.set(key, at);
    // Prune now and then rather than on every send: Map iteration is insertion-ordered, so stop early.
    if (this.recentAppMessages.size % 1000 === 0) {
      for (const [k, sentAt] of this.recentAppMessages) {
        if (at - sentAt <= horizonMs) break;
        this.recentAppMessages.delete(k);
      }
    }
  }

  // ---- customer groups -----------------------------------------------------------------------

  createGroup(input: { chatId?: string; owner: string; name?: string; notice?: string; members?: NewGroupMember[] }): GroupChat {
    const chat_id = input.chatId ?? newChatId();
    const now = seconds(this.now());
    const group: GroupChat = {
      chat_id,
      name: input.name ?? `群聊${randomAlphanumeric(4)}`,
      owner: input.owner,
      create_time: now,
      notice: input.notice ?? '',
      member_list: [{ userid: input.owner, type: 1, join_time: now, join_scene: 1 }],
      admin_list: [],
      member_version: memberVersion(chat_id, 0),
      revision: 0,
    };
    this.groupChats.set(chat_id, group);
    if (input.members?.length) this.addGroupMembers(chat_id, input.members);
    return group;
  }

  requireGroup(chatId: string): GroupChat {
    const group = this.groupChats.get(chatId);
    if (!group) throw new ApiError(Errcode.invalidChatId, `invalid chat_id ${chatId}`);
    return group;
  }

  /** Adds members (ignoring ones already in the group); returns the member versions before and after. */
  addGroupMembers(chatId: string, members: NewGroupMember[]): { lastMemVer: string; curMemVer: string; added: string[] } {
    const group = this.requireGroup(chatId);
    const lastMemVer = group.member_version;
    const now = seconds(this.now());
    const added: string[] = [];
    for (const m of members) {
      if (group.member_list.some((existing) => existing.userid === m.userid)) continue;
      group.member_list.push({
        userid: m.userid,
        type: m.type ?? (this.hasMember(m.userid) ? 1 : 2),
        join_time: now,
        join_scene: m.joinScene ?? 1,
        ...(m.invitor ? { invitor: { userid: m.invitor } } : {}),
        ...(m.unionid ? { unionid: m.unionid } : {}),
        ...(m.state ? { state: m.state } : {}),
      });
      added.push(m.userid);
    }
    this.bumpVersion(group);
    return { lastMemVer, curMemVer: group.member_version, added };
  }

  removeGroupMembers(chatId: string, userids: string[]): { lastMemVer: string; curMemVer: string } {
    const group = this.requireGroup(chatId);
    const lastMemVer = group.member_version;
    const leaving = new Set(userids);
    group.member_list = group.member_list.filter((m) => !leaving.has(m.userid));
    group.admin_list = group.admin_list.filter((a) => !leaving.has(a.userid));
    this.bumpVersion(group);
    return { lastMemVer, curMemVer: group.member_version };
  }

  private bumpVersion(group: GroupChat): void {
    group.revision += 1;
    group.member_version = memberVersion(group.chat_id, group.revision);
  }
}
