import { In } from 'typeorm';
import type { AppContext } from '../context';
import { isUniqueViolation } from '../db/data-source';
import { decodeCursor, encodeCursor, keysetPage } from '../http/cursor';
import { badRequest, conflict, notFound } from '../http/errors';
import type { PolicyActor } from '../policies/actor';
import { auditSettingsChange } from '../settings/audit-settings-change';
import { Team } from '../teams/team.entity';
import { revokeSessionsOf, nowOf } from '../auth/member-sessions';
import { ManagedTeam } from './managed-team.entity';
import { MemberRoleRow } from './member-role.entity';
import { Member } from './member.entity';
import { presentAdminMembers, presentStore } from './presenters';
import type { MemberRole } from './member-actor';
import { grantsOf, sortRoles } from './profile';
import type { CreateStoreInput, MemberListQuery, UpdateMemberInput } from './schemas';
import { Store } from './store.entity';

/** Cursor tag of the admin member list: the id of the last member shown. */
const CURSOR = 'm';

/** A LIKE pattern for "contains `text`", with ! escaping the wildcards. */
const containing = (text: string) => `%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`;

/** GET /api/admin/members: members in the order they were first synced, filtered, keyset-paginated. */
export async function listMembers(ctx: AppContext, query: MemberListQuery) {
  const qb = ctx.dataSource.getRepository(Member).createQueryBuilder('m');
  if (query.status) qb.andWhere('m.status = :status', { status: query.status });
  if (query.role) qb.andWhere('EXISTS (SELECT 1 FROM member_role r WHERE r.user_id = m.user_id AND r.role = :role)', { role: query.role });
  if (query.teamId !== undefined) {
    qb.andWhere('EXISTS (SELECT 1 FROM team_member t WHERE t.user_id = m.user_id AND t.team_id = :teamId)', { teamId: query.teamId });
  }
  if (query.storeId !== undefined) qb.andWhere('m.store_id = :storeId', { storeId: query.storeId });
  if (query.q) qb.andWhere("(m.user_id LIKE :q ESCAPE '!' OR m.name LIKE :q ESCAPE '!')", { q: containing(query.q) });
  if (query.cursor) qb.andWhere('m.id > :after', { after: decodeCursor(CURSOR, query.cursor, 1)[0] });
  const rows = await qb.orderBy('m.id', 'ASC').limit(query.limit + 1).getMany();
  const { page, nextCursor } = keysetPage(rows, query.limit, (last) => encodeCursor(CURSOR, [last.id]));
  return { items: await presentAdminMembers(ctx.dataSource.manager, page), nextCursor };
}

export async function getMember(ctx: AppContext, userId: string) {
  const member = await ctx.dataSource.manager.findOneBy(Member, { userId });
  if (!member) throw notFound('member');
  return (await presentAdminMembers(ctx.dataSource.manager, [member]))[0];
}

/**
 * PATCH /api/admin/members/:userId: roles, the teams a manager manages, the store of store
 * staff, in one transaction. A member left with no role loses every session at once (a role
 * change otherwise counts from the member's next request: the session check reads roles each time).
 * `by` is who made the change, for the audit log (settings.member); null for the service itself
 * (demo mode giving the simulated members their roles).
 */
export async function updateMember(ctx: AppContext, userId: string, input: UpdateMemberInput, by: PolicyActor | null) {
  const now = nowOf(ctx);
  await ctx.dataSource.transaction(async (manager) => {
    const member = await manager.findOneBy(Member, { userId });
    if (!member) throw notFound('member');
    const current = (await grantsOf(manager, [userId])).get(userId)!;
    const roles = sortRoles(input.roles ?? current.roles);

    if (input.managedTeamIds?.length && !roles.includes('manager')) throw badRequest('managedTeamIds needs the manager role', { field: 'managedTeamIds' });
    const managedTeamIds = roles.includes('manager') ? [...new Set(input.managedTeamIds ?? current.managedTeamIds)] : [];
    if (managedTeamIds.length) {
      const found = await manager.find(Team, { where: { id: In(managedTeamIds) }, select: { id: true } });
      const missing = managedTeamIds.filter((id) => !found.some((t) => t.id === id));
      if (missing.length) throw badRequest(`no team ${missing.join(', ')}`, { field: 'managedTeamIds', missing });
    }

    if (input.storeId != null && !roles.includes('store_staff')) throw badRequest('storeId needs the store_staff role', { field: 'storeId' });
    const storeId = roles.includes('store_staff') ? (input.storeId !== undefined ? input.storeId : member.storeId) : null;
    if (roles.includes('store_staff') && storeId === null) throw badRequest('store staff need a store: give storeId', { field: 'storeId' });
    if (storeId !== null && !(await manager.findOneBy(Store, { id: storeId }))) throw badRequest(`no store ${storeId}`, { field: 'storeId' });

    const removed = current.roles.filter((r) => !roles.includes(r));
    if (removed.length) await manager.delete(MemberRoleRow, { userId, role: In(removed) });
    const added = roles.filter((r) => !current.roles.includes(r));
    if (added.length) await manager.insert(MemberRoleRow, added.map((role) => ({ userId, role })));
    const unmanaged = current.managedTeamIds.filter((id) => !managedTeamIds.includes(id));
    if (unmanaged.length) await manager.delete(ManagedTeam, { userId, teamId: In(unmanaged) });
    const managed = managedTeamIds.filter((id) => !current.managedTeamIds.includes(id));
    if (managed.length) await manager.insert(ManagedTeam, managed.map((teamId) => ({ userId, teamId })));
    if (storeId !== member.storeId) await manager.update(Member, { id: member.id }, { storeId, updatedAt: now });
    if (roles.length === 0 && current.roles.length > 0) await revokeSessionsOf(manager, [userId], 'roles_removed', now);

    const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);
    const before = { roles: current.roles, managedTeamIds: sorted(current.managedTeamIds), storeId: member.storeId };
    const after = { roles, managedTeamIds: sorted(managedTeamIds), storeId };
    if (JSON.stringify(before) !== JSON.stringify(after)) {
      const parts: string[] = [];
      if (JSON.stringify(before.roles) !== JSON.stringify(after.roles)) parts.push(`角色 ${rolesText(before.roles)} → ${rolesText(after.roles)}`);
      if (JSON.stringify(before.managedTeamIds) !== JSON.stringify(after.managedTeamIds)) {
        const teams = managedTeamIds.length ? await manager.find(Team, { where: { id: In(managedTeamIds) }, order: { id: 'ASC' } }) : [];
        parts.push(`管理的团队 ${teams.length ? teams.map((t) => `「${t.name}」`).join('') : '无'}`);
      }
      if (before.storeId !== storeId) parts.push(`门店 ${storeId === null ? '无' : ((await manager.findOneBy(Store, { id: storeId }))?.name ?? storeId)}`);
      await auditSettingsChange(manager, by, {
        action: 'settings.member',
        purpose: `修改成员 ${member.name}（${userId}）：${parts.join('；')}`,
        detail: { userId, before, after },
        at: now,
      });
    }
  });
  return getMember(ctx, userId);
}

const ROLE_TEXT: Record<MemberRole, string> = { admin: '管理员', manager: '主管', rep: '销售', store_staff: '门店店员' };
const rolesText = (roles: MemberRole[]) => (roles.length ? roles.map((r) => ROLE_TEXT[r]).join('、') : '无角色');

export async function listStores(ctx: AppContext) {
  const stores = await ctx.dataSource.getRepository(Store).find({ order: { id: 'ASC' } });
  return stores.map(presentStore);
}

const duplicateStore = (name: string) => conflict(`a store named "${name}" exists`, { field: 'name' });

/** POST /api/admin/stores: a store, and the corp tag name its entries get ("门店：<name>" unless given). */
export async function createStore(ctx: AppContext, input: CreateStoreInput) {
  const tagName = input.tagName ?? `门店：${input.name}`;
  if ([...tagName].length > 30) throw badRequest('the tag name "门店：<name>" is longer than WeCom allows (30 characters): give a shorter tagName', { field: 'tagName' });
  const repo = ctx.dataSource.getRepository(Store);
  if (await repo.findOneBy({ name: input.name })) throw duplicateStore(input.name);
  try {
    const store = repo.create({ name: input.name, tagName, createdAt: Date.now() });
    await repo.insert(store);
    return presentStore(store);
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateStore(input.name);
    throw error;
  }
}
