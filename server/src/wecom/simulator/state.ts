import type { ExternalContact } from '../dto';
import { ArchiveStore } from './stores/archive';
import { ArchiveKeyStore } from './stores/archive-keys';
import { ContactWayStore, SimContactWay } from './stores/contact-ways';
import { ContactStore, Member, SimExternalContact, SimFollowUser } from './stores/contacts';
import { DepartmentStore, SimDepartment } from './stores/departments';
import { GroupStore, MemberVersions, NewGroupMember, SimGroupChat } from './stores/groups';
import { AppMessageStore } from './stores/messages';
import { MsgAuditStore } from './stores/msgaudit';
import { LoginCodeStore } from './stores/miniprogram';
import { SimCorpTag, SimTagGroup, TagStore } from './stores/tags';
import { CapPeriod, GroupMessageRule, MessageTemplate, TemplateStore } from './stores/templates';
import { WelcomeStore } from './stores/welcome';

/**
 * The simulated corp: everything the WeCom APIs read or change, kept in memory, one store per
 * domain (stores/, named like the api/ handlers that use them). Field names follow WeCom's JSON
 * (wecom-reference.md §4, types shared with the client in ../dto.ts) so handlers can return
 * records as-is. This class is the one surface tests, the driver and the handlers use: it hands
 * out the stores' collections and forwards the scenario helpers, so callers need not know which
 * store holds what. Handlers add validation on top.
 */
export class SimulatorState {
  readonly stores: {
    readonly contacts: ContactStore;
    readonly contactWays: ContactWayStore;
    readonly tags: TagStore;
    readonly groups: GroupStore;
    readonly welcome: WelcomeStore;
    readonly templates: TemplateStore;
    readonly messages: AppMessageStore;
    readonly miniprogram: LoginCodeStore;
    readonly departments: DepartmentStore;
    readonly archive: ArchiveStore;
    readonly msgaudit: MsgAuditStore;
  };

  /**
   * The chat archive (README "Chat archive"): its sealed messages, media and play hooks
   * (`archive.customerText(…)`, `archive.recall(…)`…), and its key pairs (`archive.keys.rotate()`).
   */
  readonly archive: ArchiveStore;
  /** The archive's scope, customers' agreement and internal groups, behind the msgaudit APIs. */
  readonly msgaudit: MsgAuditStore;

  // The stores' collections, by the names handlers and tests have always used.
  readonly members: ContactStore['members'];
  readonly contacts: ContactStore['contacts'];
  readonly follows: ContactStore['follows'];
  readonly contactWays: ContactWayStore['ways'];
  readonly tagGroups: TagStore['groups'];
  readonly groupChats: GroupStore['chats'];
  readonly welcomeCodes: WelcomeStore['codes'];
  readonly welcomeMessages: WelcomeStore['messages'];
  readonly templates: TemplateStore['templates'];
  readonly appMessages: AppMessageStore['sent'];
  readonly recentAppMessages: AppMessageStore['recent'];
  readonly loginCodes: LoginCodeStore['codes'];

  constructor(
    readonly corpId: string,
    now: () => number,
    maxRecords = 200_000,
  ) {
    const contacts = new ContactStore(now);
    this.stores = {
      contacts,
      contactWays: new ContactWayStore(),
      tags: new TagStore(contacts, now),
      groups: new GroupStore(contacts, now),
      welcome: new WelcomeStore(now),
      templates: new TemplateStore(contacts, now),
      messages: new AppMessageStore(maxRecords),
      miniprogram: new LoginCodeStore(now),
      departments: new DepartmentStore(),
      archive: new ArchiveStore(new ArchiveKeyStore(), now),
      msgaudit: new MsgAuditStore(now, () => [...contacts.members.keys()]),
    };
    const s = this.stores;
    this.archive = s.archive;
    this.msgaudit = s.msgaudit;
    s.templates.groupOwner = (chatId) => s.groups.chats.get(chatId)?.owner;
    this.members = s.contacts.members;
    this.contacts = s.contacts.contacts;
    this.follows = s.contacts.follows;
    this.contactWays = s.contactWays.ways;
    this.tagGroups = s.tags.groups;
    this.groupChats = s.groups.chats;
    this.welcomeCodes = s.welcome.codes;
    this.welcomeMessages = s.welcome.messages;
    this.templates = s.templates.templates;
    this.appMessages = s.messages.sent;
    this.recentAppMessages = s.messages.recent;
    this.loginCodes = s.miniprogram.codes;
  }

  // ---- members and customers (stores/contacts) ---------------------------------------------

  /** A member in the directory: in the root department, activated and enabled, unless `fields` say otherwise. */
  addMember(userid: string, name = userid, fields: Partial<Omit<Member, 'userid' | 'name'>> = {}): Member {
    for (const id of fields.department ?? []) this.stores.departments.require(id);
    return this.stores.contacts.addMember(userid, name, fields);
  }

  /** An admin disables the member in the WeCom admin console (status 2, enable 0); `false` enables them again. */
  disableMember(userid: string, disabled = true): Member {
    const member = this.members.get(userid);
    if (!member) throw new Error(`no member ${userid}`);
    Object.assign(member, disabled ? { status: 2, enable: 0 } : { status: 1, enable: 1 });
    return member;
  }

  /** The member leaves the corp: deleted from the directory, so user/list no longer returns them. */
  removeMember(userid: string): boolean {
    return this.stores.contacts.removeMember(userid);
  }

  addDepartment(input: { id?: number; name: string; parentid?: number; order?: number }): SimDepartment {
    return this.stores.departments.add(input);
  }

  hasMember(userid: string): boolean {
    return this.stores.contacts.hasMember(userid);
  }

  /**
   * An admin takes the member out of (or, with `true`, puts them back into) the scope of 客户联系
   * (客户联系 → 权限配置 → 使用范围): get_follow_user_list no longer names them. Every member has it
   * by default. Only that list changes: the simulator does not refuse their other calls.
   */
  setCustomerContact(userid: string, enabled: boolean): void {
    if (!this.hasMember(userid)) throw new Error(`no member ${userid}`);
    if (enabled) this.stores.contacts.withoutCustomerContact.delete(userid);
    else this.stores.contacts.withoutCustomerContact.add(userid);
  }

  addExternalContact(contact: Partial<ExternalContact> = {}): SimExternalContact {
    return this.stores.contacts.addExternalContact(contact);
  }

  /** Creates (or replaces) the relation "member `userid` has customer `externalUserId`". */
  addFollow(userid: string, externalUserId: string, fields: Partial<SimFollowUser> = {}): SimFollowUser {
    return this.stores.contacts.addFollow(userid, externalUserId, fields);
  }

  follow(userid: string, externalUserId: string): SimFollowUser | undefined {
    return this.stores.contacts.follow(userid, externalUserId);
  }

  removeFollow(userid: string, externalUserId: string): boolean {
    return this.stores.contacts.removeFollow(userid, externalUserId);
  }

  followersOf(externalUserId: string): SimFollowUser[] {
    return this.stores.contacts.followersOf(externalUserId);
  }

  customersOf(userid: string): string[] {
    return this.stores.contacts.customersOf(userid);
  }

  // ---- contact ways (stores/contact-ways) ----------------------------------------------------

  contactWayByState(state: string): SimContactWay | undefined {
    return this.stores.contactWays.byState(state);
  }

  // ---- corp tags (stores/tags) -----------------------------------------------------------------

  findTag(tagId: string): { group: SimTagGroup; tag: SimCorpTag } | undefined {
    return this.stores.tags.findTag(tagId);
  }

  findTagGroup(groupId: string): SimTagGroup | undefined {
    return this.stores.tags.findGroup(groupId);
  }

  tagCount(): number {
    return this.stores.tags.count();
  }

  /** Like add_corp_tag: creates a named group when needed; returns the group with only the new tags. */
  addCorpTags(target: { groupId?: string; groupName?: string; groupOrder?: number }, tags: { name: string; order?: number }[]): SimTagGroup {
    return this.stores.tags.add(target, tags);
  }

  /** Removes tags (and whole groups) everywhere, including from customers. */
  deleteCorpTags(tagIds: string[], groupIds: string[]): void {
    this.stores.tags.delete(tagIds, groupIds);
  }

  /** Applies mark_tag to an existing relation (callers check that it exists). */
  markTags(relation: SimFollowUser, addTagIds: string[], removeTagIds: string[]): void {
    this.stores.tags.mark(relation, addTagIds, removeTagIds);
  }

  // ---- welcome codes, group messages, app messages, login codes ------------------------------

  /** What WeCom does when a customer is added: a code valid for 20 s for one send_welcome_msg call. */
  issueWelcomeCode(userid: string, externalUserId: string): string {
    return this.stores.welcome.issue(userid, externalUserId);
  }

  /**
   * Plays member `userid` (every member with a task when omitted) confirming group message `msgid`
   * in the WeCom client: each of their unsent recipients becomes 1 sent, 2 not a friend (relation
   * gone) or 3 already received another (the corp's per-customer cap for the period is spent).
   * Throws for an unknown msgid, a cancelled message or a member without a task in it.
   */
  confirmGroupMessage(msgid: string, userid?: string): MessageTemplate {
    return this.stores.templates.confirm(msgid, userid);
  }

  /**
   * Plays member `creator` writing a group message in the WeCom client and sending it themselves
   * (create_type 1 in get_groupmsg_list_v2). Only the record is kept: recipients are not modelled
   * and no cap is used. Throws for an unknown member or a message without text or attachments.
   */
  addMemberGroupMessage(
    creator: string,
    content: { chat_type?: 'single' | 'group'; text?: { content: string }; attachments?: unknown[] },
  ): MessageTemplate {
    if (!this.hasMember(creator)) throw new Error(`unknown member ${creator}`);
    return this.stores.templates.addMemberMessage(creator, content);
  }

  /** Same as confirmGroupMessage (the older name). */
  confirmTemplate(msgid: string, userid?: string): MessageTemplate {
    return this.confirmGroupMessage(msgid, userid);
  }

  /** The corp's group-message rule (群发助手 → 设置群发规则): per natural month (default), week or day, Asia/Shanghai. */
  setGroupMessageRule(rule: GroupMessageRule): void {
    this.stores.templates.setRule(rule);
  }

  get groupMessageRule(): GroupMessageRule {
    return this.stores.templates.rule;
  }

  /** How much of the current period's cap a customer (external_userid) or customer group (chat_id) has used. */
  groupMessageBudget(recipient: string, at?: number): CapPeriod & { used: number; remaining: number } {
    return this.stores.templates.budget(recipient, at);
  }

  /** A group message delivered outside the API tasks (e.g. sent by hand from the client): it uses the recipient's cap too. */
  recordGroupMessageDelivery(recipient: string, at?: number): void {
    this.stores.templates.recordDelivery(recipient, at);
  }

  /** Remembers a delivered app message for the duplicate check, forgetting ones older than `horizonMs`. */
  rememberAppMessage(key: string, at: number, horizonMs: number): void {
    this.stores.messages.remember(key, at, horizonMs);
  }

  /**
   * What `wx.qy.login()` would hand the mini-program: a one-time code for jscode2session.
   * `corpId` plays a code that jscode2session answers for another corp.
   */
  issueLoginCode(userid: string, options: { corpId?: string } = {}): string {
    return this.stores.miniprogram.issue(userid, options);
  }

  // ---- customer groups (stores/groups) ---------------------------------------------------------

  createGroup(input: { chatId?: string; owner: string; name?: string; notice?: string; members?: NewGroupMember[] }): SimGroupChat {
    return this.stores.groups.create(input);
  }

  requireGroup(chatId: string): SimGroupChat {
    return this.stores.groups.require(chatId);
  }

  /** Adds members (ignoring ones already in the group); returns the member versions before and after. */
  addGroupMembers(chatId: string, members: NewGroupMember[]): MemberVersions & { added: string[] } {
    return this.stores.groups.addMembers(chatId, members);
  }

  removeGroupMembers(chatId: string, userids: string[]): MemberVersions {
    return this.stores.groups.removeMembers(chatId, userids);
  }
}
