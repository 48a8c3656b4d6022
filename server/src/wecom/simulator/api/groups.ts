import { invalidParameter } from '../errors';
import { optionalInt, optionalString, requiredString, objectField, stringArray } from './params';
import type { Routes } from './route';

/** Customer groups (wecom-reference.md §4.5). Group status is always 0 (normal) in the simulator. */

export const groupRoutes: Routes = {
  'externalcontact/groupchat/get': {
    method: 'POST',
    handle: ({ state, body }) => {
      const group = state.requireGroup(requiredString(body, 'chat_id'));
      const needName = optionalInt(body, 'need_name') === 1;
      const nameOf = (userid: string, type: 1 | 2) =>
        (type === 1 ? state.members.get(userid)?.name : state.contacts.get(userid)?.name) ?? userid;
      const { revision: _revision, ...chat } = group;
      return {
        group_chat: {
          ...chat,
          member_list: group.member_list.map((m) => (needName ? { ...m, name: nameOf(m.userid, m.type) } : { ...m })),
        },
      };
    },
  },

  'externalcontact/groupchat/list': {
    method: 'POST',
    handle: ({ state, body }) => {
      const limit = optionalInt(body, 'limit');
      if (limit === undefined || limit < 1 || limit > 1000) throw invalidParameter('limit is required, 1..1000');
      const statusFilter = optionalInt(body, 'status_filter') ?? 0;
      const owners = stringArray(objectField(body, 'owner_filter') ?? {}, 'userid_list');
      const offset = Number(optionalString(body, 'cursor') || 0);
      // Only normal groups (status 0) exist in the simulator, so other status filters match nothing.
      const all =
        statusFilter === 0 ? [...state.groupChats.values()].filter((g) => owners.length === 0 || owners.includes(g.owner)) : [];
      return {
        group_chat_list: all.slice(offset, offset + limit).map((g) => ({ chat_id: g.chat_id, status: 0 })),
        next_cursor: offset + limit < all.length ? String(offset + limit) : '',
      };
    },
  },
};
