import type { ExternalContact, FollowUser, FollowUserTag } from '../../dto';
import { newExternalUserId } from '../ids';
import { seconds } from './time';

/** Members, customers and who follows whom (externalcontact/get, list, remark; wecom-reference.md §4). */

/**
 * A member's `status` in WeCom's member list (user/list): 1 activated, 2 disabled, 4 not yet
 * activated. (5, left the corp, is never listed: a member who leaves is deleted from the directory.)
 */
export type SimMemberStatus = 1 | 2 | 4;

/** A corp member (通讯录成员) as user/list returns them, with the fields Xiansuo reads. */
export interface Member {
  userid: string;
  name: string;
  /** Department ids; every member is in at least one (the root, 1, by default). */
  department: number[];
  status: SimMemberStatus;
  /** 1 enabled, 0 disabled (a disabled member also has status 2). */
  enable: 0 | 1;
}

/** A customer as the simulator keeps it: the fields WeCom always returns are always set. */
export type SimExternalContact = ExternalContact & Required<Pick<ExternalContact, 'name' | 'avatar' | 'type' | 'gender'>>;

/** Always a corp tag (type 1, with its id): the simulator does not model personal or rule-group tags. */
export type SimFollowUserTag = FollowUserTag & Required<Pick<FollowUserTag, 'group_name' | 'tag_id'>> & { type: 1 };

/** A member–customer relation as the simulator keeps it. */
export type SimFollowUser = Omit<FollowUser, 'tags'> &
  Required<Pick<FollowUser, 'remark' | 'description' | 'createtime' | 'remark_mobiles' | 'add_way' | 'oper_userid'>> & { tags: SimFollowUserTag[] };

export class ContactStore {
  readonly members = new Map<string, Member>();
  readonly contacts = new Map<string, SimExternalContact>();
  /** external_userid → (member userid → relation). */
  readonly follows = new Map<string, Map<string, SimFollowUser>>();
  /** Members an admin left out of 客户联系's scope: not in get_follow_user_list. Everyone else is in it. */
  readonly withoutCustomerContact = new Set<string>();

  constructor(private readonly now: () => number) {}

  addMember(userid: string, name = userid, fields: Partial<Omit<Member, 'userid' | 'name'>> = {}): Member {
    const member: Member = { department: [1], status: 1, enable: 1, ...fields, userid, name };
    this.members.set(userid, member);
    return member;
  }

  /** The member leaves the corp: WeCom deletes them from the directory (their customers stay, awaiting transfer). */
  removeMember(userid: string): boolean {
    return this.members.delete(userid);
  }

  hasMember(userid: string): boolean {
    return this.members.has(userid);
  }

  /** Who has the customer-contact permission (get_follow_user_list): every member not left out, in directory order. */
  followUserIds(): string[] {
    return [...this.members.keys()].filter((userid) => !this.withoutCustomerContact.has(userid));
  }

  addExternalContact(contact: Partial<ExternalContact> = {}): SimExternalContact {
    const external_userid = contact.external_userid ?? newExternalUserId();
    const record: SimExternalContact = {
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
  addFollow(userid: string, externalUserId: string, fields: Partial<SimFollowUser> = {}): SimFollowUser {
    const relation: SimFollowUser = {
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

  follow(userid: string, externalUserId: string): SimFollowUser | undefined {
    return this.follows.get(externalUserId)?.get(userid);
  }

  removeFollow(userid: string, externalUserId: string): boolean {
    return this.follows.get(externalUserId)?.delete(userid) ?? false;
  }

  followersOf(externalUserId: string): SimFollowUser[] {
    return [...(this.follows.get(externalUserId)?.values() ?? [])];
  }

  customersOf(userid: string): string[] {
    const result: string[] = [];
    for (const [externalUserId, byMember] of this.follows) if (byMember.has(userid)) result.push(externalUserId);
    return result;
  }

  /** Every relation of every customer (for changes that touch all of them, like deleting a tag). */
  *allFollows(): IterableIterator<SimFollowUser> {
    for (const byMember of this.follows.values()) yield* byMember.values();
  }
}
