import { ApiError, Errcode, invalidParameter } from '../errors';
import { optionalInt, optionalString, requireContact, requiredString, requireMember, stringArray } from './params';
import type { Routes } from './route';

/** Corp tags (wecom-reference.md §4.2). */

const MAX_NAME = 30;

function checkName(name: string, what: string): void {
  if (name.trim() === '' || [...name].length > MAX_NAME) throw invalidParameter(`${what} must be 1..${MAX_NAME} characters`);
}

export const tagRoutes: Routes = {
  'externalcontact/get_corp_tag_list': {
    method: 'POST',
    handle: ({ state, body }) => {
      const tagIds = stringArray(body, 'tag_id');
      const groupIds = stringArray(body, 'group_id');
      // As in WeCom, group_id wins when both filters are given.
      if (groupIds.length > 0) {
        return { tag_group: state.tagGroups.filter((g) => groupIds.includes(g.group_id)) };
      }
      if (tagIds.length > 0) {
        const tag_group = state.tagGroups
          .map((g) => ({ ...g, tag: g.tag.filter((t) => tagIds.includes(t.id)) }))
          .filter((g) => g.tag.length > 0);
        return { tag_group };
      }
      return { tag_group: state.tagGroups };
    },
  },

  'externalcontact/add_corp_tag': {
    method: 'POST',
    handle: ({ state, body }) => {
      const groupId = optionalString(body, 'group_id') || undefined;
      const groupName = optionalString(body, 'group_name');
      if (!groupId && groupName === undefined) throw invalidParameter('group_id or group_name is required');
      if (groupName !== undefined) checkName(groupName, 'group_name');
      if (!Array.isArray(body.tag) || body.tag.length === 0) throw invalidParameter('tag must be a non-empty array');
      const tags = (body.tag as Record<string, unknown>[]).map((t) => {
        const name = requiredString(t ?? {}, 'name');
        checkName(name, 'tag name');
        return { name, order: optionalInt(t, 'order') };
      });
      const tag_group = state.addCorpTags({ groupId, groupName, groupOrder: optionalInt(body, 'order') }, tags);
      return { tag_group };
    },
  },

  'externalcontact/edit_corp_tag': {
    method: 'POST',
    handle: ({ state, body }) => {
      const id = requiredString(body, 'id');
      const name = optionalString(body, 'name');
      const order = optionalInt(body, 'order');
      if (name !== undefined) checkName(name, 'name');
      const group = state.findTagGroup(id);
      if (group) {
        if (name !== undefined && state.tagGroups.some((g) => g !== group && g.group_name === name)) {
          throw new ApiError(Errcode.tagNameExists, `tag group name exists: ${name}`);
        }
        if (name !== undefined) group.group_name = name;
        if (order !== undefined) group.order = order;
        return {};
      }
      const found = state.findTag(id);
      if (!found) throw new ApiError(Errcode.invalidTagId, `invalid tag id ${id}`);
      if (name !== undefined && found.group.tag.some((t) => t !== found.tag && t.name === name)) {
        throw new ApiError(Errcode.tagNameExists, `tag name exists: ${name}`);
      }
      if (name !== undefined) found.tag.name = name;
      if (order !== undefined) found.tag.order = order;
      return {};
    },
  },

  'externalcontact/del_corp_tag': {
    method: 'POST',
    handle: ({ state, body }) => {
      const tagIds = stringArray(body, 'tag_id');
      const groupIds = stringArray(body, 'group_id');
      if (tagIds.length === 0 && groupIds.length === 0) throw invalidParameter('tag_id or group_id is required');
      for (const id of tagIds) if (!state.findTag(id)) throw new ApiError(Errcode.invalidTagId, `invalid tag id ${id}`);
      for (const id of groupIds) if (!state.findTagGroup(id)) throw new ApiError(Errcode.invalidTagId, `invalid tag group id ${id}`);
      state.deleteCorpTags(tagIds, groupIds);
      return {};
    },
  },

  'externalcontact/mark_tag': {
    method: 'POST',
    handle: ({ state, body }) => {
      const userid = requiredString(body, 'userid');
      const externalUserId = requiredString(body, 'external_userid');
      const addTag = stringArray(body, 'add_tag');
      const removeTag = stringArray(body, 'remove_tag');
      if (addTag.length === 0 && removeTag.length === 0) throw invalidParameter('add_tag or remove_tag is required');
      requireMember(state, userid);
      requireContact(state, externalUserId);
      const relation = state.follow(userid, externalUserId);
      if (!relation) throw new ApiError(Errcode.noRelation, 'no external contact relationship');
      // Validate every id before changing anything, so a failed call leaves the tags untouched.
      for (const id of [...addTag, ...removeTag]) {
        if (!state.findTag(id)) throw new ApiError(Errcode.invalidTagId, `invalid tag id ${id}`);
      }
      state.markTags(relation, addTag, removeTag);
      return {};
    },
  },
};
