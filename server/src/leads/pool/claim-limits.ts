import type { EntityManager } from 'typeorm';
import { Team } from '../../teams/team.entity';
import { teamForRep } from '../../teams/membership';
import { LeadAssignment } from '../lead-assignment.entity';
import { activeLeadCount } from '../assignment/active-leads';
import { loadPoolSettings } from './pool-settings';

const CST_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86400_000;

/** Start of the calendar day in Asia/Shanghai (no DST, so a fixed offset is exact). */
export const shanghaiDayStart = (now: number) => Math.floor((now + CST_OFFSET_MS) / DAY_MS) * DAY_MS - CST_OFFSET_MS;

export interface ClaimAllowance {
  teamId: number | null;
  dailyLimit: number;
  claimedToday: number;
  heldLimit: number;
  held: number;
}

/**
 * Where a rep stands against the claim caps: claims today (lead_assignment rows of kind
 * 'claimed' since midnight in Shanghai) against their team's daily limit or the global one, and
 * the active leads they hold against maxHeldLeads.
 */
export async function claimAllowance(manager: EntityManager, userId: string, now = Date.now()): Promise<ClaimAllowance> {
  const settings = await loadPoolSettings(manager);
  const teamId = await teamForRep(manager, userId, null);
  const team = teamId != null ? await manager.findOneBy(Team, { id: teamId }) : null;
  const claimedToday = await manager
    .getRepository(LeadAssignment)
    .createQueryBuilder('a')
    .where("a.to_user_id = :userId AND a.kind = 'claimed' AND a.created_at >= :since", { userId, since: shanghaiDayStart(now) })
    .getCount();
  return {
    teamId,
    dailyLimit: team?.dailyClaimLimit ?? settings.dailyClaimLimit,
    claimedToday,
    heldLimit: settings.maxHeldLeads,
    held: await activeLeadCount(manager, userId),
  };
}
