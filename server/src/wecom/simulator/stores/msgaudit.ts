import { randomAlphanumeric } from '../ids';
import { seconds } from './time';

/**
 * The archive's compliance state behind the msgaudit HTTP APIs (wecom-reference.md §7): which
 * members the archive covers (get_permit_user_list), which customers agreed to be archived with
 * which member (check_single_agree), and the internal groups groupchat/get describes.
 */

export type AgreeStatus = 'Agree' | 'Disagree' | 'Default_Agree';

export interface AgreeState {
  status: AgreeStatus;
  /** Seconds. */
  changedAt: number;
}

export interface SimArchiveRoom {
  roomid: string;
  roomname: string;
  creator: string;
  /** Seconds. */
  room_create_time: number;
  notice: string;
  members: { memberid: string; jointime: number }[];
}

export class MsgAuditStore {
  /** Set by setPermitUsers; until then every member in the directory is archived. */
  private permitted?: string[];
  private readonly agreement = new Map<string, AgreeState>();
  readonly rooms = new Map<string, SimArchiveRoom>();
  /**
   * What check_single_agree says for a pair nobody set. Simulator choice: `Agree`, so tests that
   * are not about consent need no setup; consent tests set each pair (or this) explicitly.
   */
  defaultStatus: AgreeStatus = 'Agree';

  constructor(
    private readonly now: () => number,
    private readonly directory: () => string[],
  ) {}

  /** The admin sets the archive's scope (管理工具 → 会话内容存档 → 开启范围). */
  setPermitUsers(userids: string[]): void {
    this.permitted = [...userids];
  }

  permitUsers(): string[] {
    return this.permitted ? [...this.permitted] : this.directory();
  }

  /** The customer agrees (or not) to the archive in their chat with member `userid`. */
  setAgree(userid: string, externalUserId: string, status: AgreeStatus): void {
    this.agreement.set(`${userid}\n${externalUserId}`, { status, changedAt: seconds(this.now()) });
  }

  agree(userid: string, externalUserId: string): AgreeState {
    return this.agreement.get(`${userid}\n${externalUserId}`) ?? { status: this.defaultStatus, changedAt: 0 };
  }

  /** An internal group (members only) as groupchat/get describes it; the creator is its first member. */
  addRoom(input: { roomid?: string; roomname: string; creator: string; members?: string[]; notice?: string }): SimArchiveRoom {
    const at = seconds(this.now());
    const roomid = input.roomid ?? `wr${randomAlphanumeric(30)}`;
    const ids = [input.creator, ...(input.members ?? []).filter((m) => m !== input.creator)];
    const room: SimArchiveRoom = {
      roomid,
      roomname: input.roomname,
      creator: input.creator,
      room_create_time: at,
      notice: input.notice ?? '',
      members: ids.map((memberid) => ({ memberid, jointime: at })),
    };
    this.rooms.set(roomid, room);
    return room;
  }
}
