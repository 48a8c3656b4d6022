import { In } from 'typeorm';
import type { AppContext } from '../context';
import { nowOf, revokeSessionsOf } from '../auth/member-sessions';
import type { ScheduledTask } from '../scheduler/scheduled-task';
import { cleanText } from '../util/clean-text';
import { Member, type MemberStatus } from './member.entity';

/** department/list: the departments in the self-built app's visible range. */
interface WecomDepartment {
  id: number;
  name?: string;
  parentid: number;
}

/** user/list: a member as WeCom lists them (only what Xiansuo reads). */
interface WecomUser {
  userid: string;
  name?: string;
  department?: number[];
  /** 1 activated, 2 disabled, 4 not activated yet, 5 left the corp. */
  status?: number;
  /** 1 enabled, 0 disabled. */
  enable?: number;
}

export interface MemberSyncResult {
  /** Members WeCom listed. */
  listed: number;
  added: number;
  updated: number;
  /** Members now disabled or gone, whose sessions were revoked. */
  disabled: number;
  left: number;
  sessionsRevoked: number;
}

/**
 * WeCom's status → Xiansuo's. Not activated yet (4) counts as active: roles can be given before
 * the member first opens WeCom (they cannot sign in until then anyway).
 */
function statusOf(user: WecomUser): MemberStatus {
  if (user.status === 5) return 'left';
  if (user.status === 2 || user.enable === 0) return 'disabled';
  return 'active';
}

/**
 * Every member the self-built app can see: department/list, then user/list with fetch_child=1
 * on each top department of the visible range (a department whose parent is outside it), so
 * each member is read once per top department and no department is missed.
 */
async function readDirectory(ctx: AppContext): Promise<Map<string, WecomUser>> {
  const { department = [] } = await ctx.wecom.agent.get<{ department?: WecomDepartment[] }>('department/list');
  const ids = new Set(department.map((d) => d.id));
  const tops = department.filter((d) => !ids.has(d.parentid));
  const users = new Map<string, WecomUser>();
  for (const top of tops) {
    const { userlist = [] } = await ctx.wecom.agent.get<{ userlist?: WecomUser[] }>('user/list', { department_id: top.id, fetch_child: 1 });
    for (const user of userlist) if (user.userid) users.set(user.userid, user);
  }
  return users;
}

const sameIds = (a: number[], b: number[]) => a.length === b.length && a.every((id, i) => id === b[i]);

/**
 * Command: copies WeCom's member list into `member` (name, departments, status) in one
 * transaction. A member WeCom no longer lists has left (or was taken out of the app's visible
 * range: either way they can no longer use Xiansuo); a member who left or was disabled loses
 * every session in the same transaction, so their next request answers 401.
 *
 * An empty list while Xiansuo knows active members changes nothing: it means the app's visible
 * range is empty or misconfigured, not that everyone left.
 */
export async function syncMembers(ctx: AppContext): Promise<MemberSyncResult> {
  const users = await readDirectory(ctx);
  const now = nowOf(ctx);
  const result: MemberSyncResult = { listed: users.size, added: 0, updated: 0, disabled: 0, left: 0, sessionsRevoked: 0 };
  await ctx.dataSource.transaction(async (manager) => {
    const known = await manager.find(Member);
    if (users.size === 0 && known.some((m) => m.status === 'active')) {
      ctx.logger.warn({ known: known.length }, 'member sync: WeCom listed no members; the app visible range may be empty. Nothing changed');
      return;
    }
    const byUserId = new Map(known.map((m) => [m.userId, m]));
    const revoke = { member_disabled: [] as string[], member_left: [] as string[] };
    const unchanged: number[] = [];
    for (const user of users.values()) {
      const name = cleanText(user.name ?? '').slice(0, 64) || user.userid;
      const departmentIds = [...(user.department ?? [])].sort((a, b) => a - b);
      const status = statusOf(user);
      const existing = byUserId.get(user.userid);
      if (!existing) {
        await manager.createQueryBuilder().insert().into(Member)
          .values({ userId: user.userid, name, departmentIds, status, storeId: null, syncedAt: now, createdAt: now, updatedAt: now })
          .orIgnore()
          .execute();
        result.added += 1;
      } else if (existing.name !== name || existing.status !== status || !sameIds(existing.departmentIds, departmentIds)) {
        await manager.update(Member, { id: existing.id }, { name, departmentIds, status, syncedAt: now, updatedAt: now });
        result.updated += 1;
        if (status !== 'active' && existing.status === 'active') revoke[status === 'left' ? 'member_left' : 'member_disabled'].push(user.userid);
      } else {
        unchanged.push(existing.id);
      }
    }
    for (let i = 0; i < unchanged.length; i += 500) {
      await manager.update(Member, { id: In(unchanged.slice(i, i + 500)) }, { syncedAt: now });
    }
    const gone = known.filter((m) => m.status !== 'left' && !users.has(m.userId));
    for (let i = 0; i < gone.length; i += 500) {
      await manager.update(Member, { id: In(gone.slice(i, i + 500).map((m) => m.id)) }, { status: 'left', updatedAt: now });
    }
    revoke.member_left.push(...gone.map((m) => m.userId));
    result.disabled = revoke.member_disabled.length;
    result.left = revoke.member_left.length;
    result.sessionsRevoked =
      (await revokeSessionsOf(manager, revoke.member_disabled, 'member_disabled', now)) + (await revokeSessionsOf(manager, revoke.member_left, 'member_left', now));
  });
  if (result.added || result.updated || result.left) ctx.logger.info(result, 'member sync: members changed');
  return result;
}

/** The member list is read from WeCom every ten minutes, once across all instances. */
export const memberSyncTask: ScheduledTask = {
  name: 'members.sync',
  cron: '*/10 * * * *',
  async run(ctx) {
    await syncMembers(ctx);
  },
};
