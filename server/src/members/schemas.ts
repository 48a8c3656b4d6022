import { z } from 'zod';
import { idParam, cursorParam, limitParam } from '../http/params';
import { MEMBER_ROLES } from './member-actor';
import { MEMBER_STATUSES } from './member.entity';

/** A WeCom userid: 1–64 of letters, digits and _ - @ . (WeCom's own rule), in a path or a body. */
export const userIdParam = z.string().regex(/^[A-Za-z0-9_@.-]{1,64}$/, 'must be a WeCom userid (1-64 of A-Z a-z 0-9 _ - @ .)');

export const memberListQuery = z.object({
  status: z.enum(MEMBER_STATUSES).optional(),
  role: z.enum(MEMBER_ROLES).optional(),
  /** Members who work in this team (team_member). */
  teamId: idParam.optional(),
  storeId: idParam.optional(),
  /** Part of the userid or name. */
  q: z.string().trim().min(1).max(64).optional(),
  limit: limitParam(200, 50),
  cursor: cursorParam,
});
export type MemberListQuery = z.infer<typeof memberListQuery>;

/**
 * What an admin sets on a member; fields left out keep their value. `managedTeamIds` needs the
 * manager role and `storeId` the store_staff role; store staff need a store. Taking a role away
 * drops what came with it (the managed teams, the store).
 */
export const updateMemberSchema = z
  .object({
    roles: z.array(z.enum(MEMBER_ROLES)).max(MEMBER_ROLES.length).optional(),
    managedTeamIds: z.array(z.number().int().positive()).max(100).optional(),
    storeId: z.number().int().positive().nullable().optional(),
  })
  .refine((v) => v.roles !== undefined || v.managedTeamIds !== undefined || v.storeId !== undefined, { message: 'give roles, managedTeamIds or storeId' });
export type UpdateMemberInput = z.infer<typeof updateMemberSchema>;

export const createStoreSchema = z.object({
  name: z.string().trim().min(1).max(64),
  /** The corp tag its entries get; default "门店：<name>". WeCom tag names have at most 30 characters. */
  tagName: z.string().trim().min(1).max(30).optional(),
});
export type CreateStoreInput = z.infer<typeof createStoreSchema>;
