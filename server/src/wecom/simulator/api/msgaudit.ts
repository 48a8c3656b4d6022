import { ApiError, Errcode, invalidParameter } from '../errors';
import { optionalInt, requiredString } from './params';
import type { Routes } from './route';

/**
 * The chat archive's HTTP APIs (wecom-reference.md §7), called with the 会话存档 secret's token.
 * State and test hooks: `sim.state.msgaudit` (stores/msgaudit.ts).
 */
export const msgauditRoutes: Routes = {
  /** `type` 1 office, 2 service, 3 enterprise edition; the simulator keeps one list for all. */
  'msgaudit/get_permit_user_list': {
    method: 'POST',
    handle: ({ body, state }) => {
      const type = optionalInt(body, 'type');
      if (type !== undefined && ![1, 2, 3].includes(type)) throw invalidParameter('type must be 1, 2 or 3');
      return { ids: state.msgaudit.permitUsers() };
    },
  },

  /** `info[{userid, exteranalopenid}]` (WeCom's spelling) → `agreeinfo[…, agree_status, status_change_time]`. */
  'msgaudit/check_single_agree': {
    method: 'POST',
    handle: ({ body, state }) => {
      const info = body.info;
      if (!Array.isArray(info) || info.length === 0) throw invalidParameter('info must be a non-empty array');
      const agreeinfo = info.map((item: unknown) => {
        if (!item || typeof item !== 'object') throw invalidParameter('info[] must be objects');
        const entry = item as Record<string, unknown>;
        const userid = requiredString(entry, 'userid');
        const exteranalopenid = requiredString(entry, 'exteranalopenid');
        const agree = state.msgaudit.agree(userid, exteranalopenid);
        return { userid, exteranalopenid, agree_status: agree.status, status_change_time: agree.changedAt };
      });
      return { agreeinfo };
    },
  },

  /** Internal groups only (customer groups are externalcontact/groupchat/get). */
  'msgaudit/groupchat/get': {
    method: 'POST',
    handle: ({ body, state }) => {
      const roomid = requiredString(body, 'roomid');
      const room = state.msgaudit.rooms.get(roomid);
      if (!room) throw new ApiError(Errcode.invalidChatId, `invalid roomid ${roomid}`);
      return { roomname: room.roomname, creator: room.creator, room_create_time: room.room_create_time, notice: room.notice, members: room.members };
    },
  },
};
