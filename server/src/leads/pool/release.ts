import type { AppContext } from '../../context';
import { Team } from '../../teams/team.entity';
import { Lead } from '../lead.entity';
import { changeOwner } from '../ownership/change-owner';
import { followUpHoursFor, loadPoolSettings } from './pool-settings';
import { HOUR_MS } from '../../util/time';

const BATCH = 500;

/** Owned, open, out of the pool, and not followed up since the current owner got it. */
const OVERDUE_SQL =
  'owner_user_id IS NOT NULL AND in_pool = 0 AND assigned_at IS NOT NULL ' +
  "AND (last_follow_up_at IS NULL OR last_follow_up_at < assigned_at) AND stage NOT IN ('won', 'lost') AND merged_into_id IS NULL";

type Candidate = Pick<Lead, 'id' | 'name' | 'ownerUserId' | 'assignedAt' | 'teamId' | 'channelId'>;

/**
 * Sends leads nobody followed up in time back to the pool and tells their former owners. A
 * WeCom-added lead stays the rep's WeCom contact: only the ownership in Xiansuo changes.
 * Safe to run twice or on two instances: each lead moves in one conditional UPDATE.
 */
export async function releaseOverdueLeads(ctx: AppContext, now = Date.now()): Promise<{ released: number[] }> {
  const manager = ctx.dataSource.manager;
  const settings = await loadPoolSettings(manager);
  const teams = new Map((await manager.find(Team)).map((t) => [t.id, t]));
  const allHours = [settings.followUpHours, ...[...teams.values()].map((t) => t.followUpHours ?? Infinity), ...Object.values(settings.channelOverrides).map((o) => o.followUpHours)];
  // Nothing assigned after this can be due yet, whichever deadline applies to it.
  const cutoff = now - Math.min(...allHours) * HOUR_MS;

  const released: number[] = [];
  let afterId = 0;
  for (;;) {
    const batch: Candidate[] = await manager
      .getRepository(Lead)
      .createQueryBuilder('lead')
      .select(['lead.id', 'lead.name', 'lead.ownerUserId', 'lead.assignedAt', 'lead.teamId', 'lead.channelId'])
      .where(OVERDUE_SQL)
      .andWhere('assigned_at <= :cutoff AND id > :afterId', { cutoff, afterId })
      .orderBy('lead.id', 'ASC')
      .limit(BATCH)
      .getMany();
    for (const lead of batch) {
      const hours = followUpHoursFor(settings, lead, teams);
      if (lead.assignedAt! + hours * HOUR_MS > now) continue;
      if (await releaseOne(ctx, lead, hours, now)) released.push(lead.id);
    }
    if (batch.length < BATCH) break;
    afterId = batch[batch.length - 1].id;
  }
  if (released.length) ctx.logger.info({ count: released.length }, 'released overdue leads to the pool');
  if (released.length) ctx.kick();
  return { released };
}

async function releaseOne(ctx: AppContext, lead: Candidate, hours: number, now: number): Promise<boolean> {
  const owner = lead.ownerUserId!;
  return ctx.dataSource.transaction(async (manager) => {
    // Re-checked in the UPDATE itself: a follow-up, a reassignment or another instance's
    // release that got there first leaves zero rows and we do nothing.
    return changeOwner(manager, {
      leadId: lead.id,
      leadName: lead.name,
      kind: 'released',
      expect: { ownerUserId: owner, sql: `assigned_at = :assignedAt AND ${OVERDUE_SQL}`, params: { assignedAt: lead.assignedAt } },
      to: { ownerUserId: null, inPool: true },
      fromUserId: owner,
      historyTeamId: lead.teamId,
      reason: `超过 ${hours} 小时未跟进，释放到公海`,
      timeline: { kind: 'pool.released', summary: `${owner} 超过 ${hours} 小时未跟进，线索已释放到公海`, data: { fromUserId: owner, hours } },
      key: `release:${lead.id}:${lead.assignedAt}`,
      followUpHours: hours,
      at: now,
    });
  });
}
