import type { EntityManager } from 'typeorm';
import { Team } from '../../teams/team.entity';
import { teamForRep } from '../../teams/membership';
import { LeadAssignment } from '../lead-assignment.entity';
import { activeLeadCount } from '../assignment/active-leads';
import { loadPoolSettings } from './pool-settings';
import { cstDayStartAt } from '../../util/china-time';
import { HOUR_MS } from '../../util/time';

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
    .where("a.to_user_id = :userId AND a.kind = 'claimed' AND a.created_at >= :since", { userId, since: cstDayStartAt(now) })
    .getCount();
  return {
    teamId,
    dailyLimit: team?.dailyClaimLimit ?? settings.dailyClaimLimit,
    claimedToday,
    heldLimit: settings.maxHeldLeads,
    held: await activeLeadCount(manager, userId),
  };
}

/**
 * When the rep may claim this lead again, if not yet: reclaimCooldownHours after they last gave
 * it up, by returning it (kind 'returned') or letting the follow-up deadline pass (kind
 * 'released' from them). A manager taking it away (reassigned) does not count: the rep did not
 * give it up. Reads the lead's own history through idx_assignment_lead.
 */
export async function reclaimBlockedUntil(
  manager: EntityManager,
  userId: string,
  leadId: number,
  now = Date.now(),
): Promise<{ until: number; cooldownHours: number } | null> {
  const { reclaimCooldownHours } = await loadPoolSettings(manager);
  if (reclaimCooldownHours <= 0) return null;
  const last = await manager
    .getRepository(LeadAssignment)
    .createQueryBuilder('a')
    .where("a.lead_id = :leadId AND a.from_user_id = :userId AND a.kind IN ('returned', 'released')", { leadId, userId })
    .orderBy('a.id', 'DESC')
    .getOne();
  if (!last) return null;
  const until = last.createdAt + reclaimCooldownHours * HOUR_MS;
  return until > now ? { until, cooldownHours: reclaimCooldownHours } : null;
}
