import { invalidParameter } from '../errors';
import { optionalInt, requiredString } from './params';
import type { Routes } from './route';

/**
 * The corp directory (通讯录): departments and their members, as an app reads them within its
 * visible range (the simulator's range is the whole corp). Reply fields follow WeCom's
 * department/list and user/list; user/list carries only what Xiansuo reads (since 2022-06-20 new
 * self-built apps no longer get mobile, email, avatar, gender or address there anyway).
 */
export const directoryRoutes: Routes = {
  'department/list': {
    method: 'GET',
    handle: ({ state, query }) => {
      const id = optionalInt(query, 'id');
      const ids = id === undefined ? null : state.stores.departments.subtree(id);
      return { department: [...state.stores.departments.departments.values()].filter((d) => !ids || ids.has(d.id)).map((d) => ({ ...d })) };
    },
  },

  'user/list': {
    method: 'GET',
    handle: ({ state, query }) => {
      const departmentId = Number(requiredString(query, 'department_id'));
      if (!Number.isInteger(departmentId)) throw invalidParameter('department_id must be an integer');
      const fetchChild = optionalInt(query, 'fetch_child') ?? 0;
      if (fetchChild !== 0 && fetchChild !== 1) throw invalidParameter('fetch_child must be 0 or 1');
      const departments = fetchChild ? state.stores.departments.subtree(departmentId) : new Set([state.stores.departments.require(departmentId).id]);
      const userlist = [...state.members.values()]
        .filter((m) => m.department.some((d) => departments.has(d)))
        .map((m) => ({ userid: m.userid, name: m.name, department: [...m.department], status: m.status, enable: m.enable }));
      return { userlist };
    },
  },
};
