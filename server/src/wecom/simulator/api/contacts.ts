import { ApiError, Errcode, invalidParameter } from '../errors';
import type { SimulatorState } from '../state';
import { optionalInt, optionalString, requireContact, requiredString, requireMember, stringArray } from './params';
import type { Routes } from './route';

/** Customer reads and remarks (wecom-reference.md §4). */

function followUsersOrThrow(state: SimulatorState, externalUserId: string) {
  requireContact(state, externalUserId);
  const followers = state.followersOf(externalUserId);
  // Simulator choice: a customer nobody in the corp follows any more is "no relation" (84061).
  if (followers.length === 0) throw new ApiError(Errcode.noRelation, 'no external contact relationship');
  return followers;
}

export const contactRoutes: Routes = {
  // The members with the customer-contact permission: every member, unless a test took one out
  // (state.setCustomerContact).
  'externalcontact/get_follow_user_list': {
    method: 'GET',
    handle: ({ state }) => ({ follow_user: state.stores.contacts.followUserIds() }),
  },

  'externalcontact/list': {
    method: 'GET',
    handle: ({ state, query }) => {
      const userid = requiredString(query, 'userid');
      requireMember(state, userid);
      return { external_userid: state.customersOf(userid) };
    },
  },

  'externalcontact/get': {
    method: 'GET',
    handle: ({ state, query }) => {
      const externalUserId = requiredString(query, 'external_userid');
      const follow_user = followUsersOrThrow(state, externalUserId);
      return { external_contact: state.contacts.get(externalUserId), follow_user };
    },
  },

  'externalcontact/batch/get_by_user': {
    method: 'POST',
    handle: ({ state, body }) => {
      const userids = stringArray(body, 'userid_list');
      if (userids.length === 0 || userids.length > 100) throw invalidParameter('userid_list must have 1..100 entries');
      userids.forEach((u) => requireMember(state, u));
      const limit = optionalInt(body, 'limit') ?? 50;
      if (limit < 1 || limit > 100) throw invalidParameter('limit must be 1..100');
      const offset = Number(optionalString(body, 'cursor') || 0);
      const all = userids.flatMap((userid) =>
        state.customersOf(userid).map((externalUserId) => {
          const { tags, ...rest } = state.follow(userid, externalUserId)!;
          return {
            external_contact: state.contacts.get(externalUserId),
            follow_info: { ...rest, tag_id: tags.map((t) => t.tag_id) },
          };
        }),
      );
      const page = all.slice(offset, offset + limit);
      return { external_contact_list: page, next_cursor: offset + limit < all.length ? String(offset + limit) : '' };
    },
  },

  'externalcontact/remark': {
    method: 'POST',
    handle: ({ state, body }) => {
      const userid = requiredString(body, 'userid');
      const externalUserId = requiredString(body, 'external_userid');
      requireMember(state, userid);
      requireContact(state, externalUserId);
      const relation = state.follow(userid, externalUserId);
      if (!relation) throw new ApiError(Errcode.noRelation, 'no external contact relationship');
      const remark = optionalString(body, 'remark');
      const description = optionalString(body, 'description');
      const remarkCompany = optionalString(body, 'remark_company');
      if (remark !== undefined && [...remark].length > 20) throw invalidParameter('remark exceeds 20 characters');
      if (description !== undefined && [...description].length > 150) throw invalidParameter('description exceeds 150 characters');
      if (remark !== undefined) relation.remark = remark;
      if (description !== undefined) relation.description = description;
      if (remarkCompany !== undefined) relation.remark_corp_name = remarkCompany;
      if (body.remark_mobiles !== undefined) relation.remark_mobiles = stringArray(body, 'remark_mobiles');
      return {};
    },
  },
};
