import type { GroupChat, GroupChatMember } from '../../dto';
import { ApiError, Errcode } from '../errors';
import { memberVersion, newChatId, randomAlphanumeric } from '../ids';
import type { ContactStore } from './contacts';
import { seconds } from './time';

/** Customer groups and their members (wecom-reference.md §4.5); status is always 0 (normal). */

export type SimGroupMember = Omit<GroupChatMember, 'type' | 'join_scene' | 'invitor'> &
  Required<Pick<GroupChatMember, 'join_time'>> & {
    type: 1 | 2;
    join_scene: 1 | 2 | 3;
    invitor?: { userid: string };
  };

export type SimGroupChat = Omit<GroupChat, 'member_list' | 'admin_list'> &
  Required<Pick<GroupChat, 'name' | 'owner' | 'create_time' | 'notice' | 'member_version'>> & {
    member_list: SimGroupMember[];
    admin_list: { userid: string }[];
    /** Revision counter behind member_version (not part of WeCom's reply). */
    revision: number;
  };

export interface NewGroupMember {
  userid: string;
  /** Defaults to 1 when userid is a registered member, else 2. */
  type?: 1 | 2;
  joinScene?: 1 | 2 | 3;
  invitor?: string;
  unionid?: string;
  state?: string;
}

export interface MemberVersions {
  lastMemVer: string;
  curMemVer: string;
}

export class GroupStore {
  readonly chats = new Map<string, SimGroupChat>();

  constructor(
    private readonly contacts: ContactStore,
    private readonly now: () => number,
  ) {}

  create(input: { chatId?: string; owner: string; name?: string; notice?: string; members?: NewGroupMember[] }): SimGroupChat {
    const chat_id = input.chatId ?? newChatId();
    const now = seconds(this.now());
    const group: SimGroupChat = {
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
    this.chats.set(chat_id, group);
    if (input.members?.length) this.addMembers(chat_id, input.members);
    return group;
  }

  require(chatId: string): SimGroupChat {
    const group = this.chats.get(chatId);
    if (!group) throw new ApiError(Errcode.invalidChatId, `invalid chat_id ${chatId}`);
    return group;
  }

  /** Adds members (ignoring ones already in the group); returns the member versions before and after. */
  addMembers(chatId: string, members: NewGroupMember[]): MemberVersions & { added: string[] } {
    const group = this.require(chatId);
    const lastMemVer = group.member_version;
    const now = seconds(this.now());
    const added: string[] = [];
    for (const m of members) {
      if (group.member_list.some((existing) => existing.userid === m.userid)) continue;
      group.member_list.push({
        userid: m.userid,
        type: m.type ?? (this.contacts.hasMember(m.userid) ? 1 : 2),
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

  removeMembers(chatId: string, userids: string[]): MemberVersions {
    const group = this.require(chatId);
    const lastMemVer = group.member_version;
    const leaving = new Set(userids);
    group.member_list = group.member_list.filter((m) => !leaving.has(m.userid));
    group.admin_list = group.admin_list.filter((a) => !leaving.has(a.userid));
    this.bumpVersion(group);
    return { lastMemVer, curMemVer: group.member_version };
  }

  private bumpVersion(group: SimGroupChat): void {
    group.revision += 1;
    group.member_version = memberVersion(group.chat_id, group.revision);
  }
}
