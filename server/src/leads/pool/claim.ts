import type { AppContext } from '../../context';
import { HttpError, notFound } from '../../http/errors';
import type { MemberActor } from '../../members/member-actor';
import { alreadyClaimed, authorizeClaim, leadScopeOf } from '../../policies/lead';
import { Lead } from '../lead.entity';
import { changeOwner } from '../ownership/change-owner';
import { capCheckTransaction, lockReps } from '../assignment/lock-reps';
import { formatCst } from '../../util/china-time';
import { claimAllowance, reclaimBlockedUntil } from './claim-limits';

/**
 * Command: a rep takes a lead from the pool. The claim itself is one conditional UPDATE
 * (… WHERE in_pool = 1), so of two reps claiming at once exactly one changes the row and the
 * other gets 409 already_claimed, on SQLite and MySQL alike. Caps are checked in the same
 * transaction, under the rep's lock: a rep at the daily claim limit gets 429, one holding
 * maxHeldLeads gets 409 held_limit_reached, and the rep who gave this lead up (returned, or
 * released for no follow-up) less than reclaimCooldownHours ago gets 409 reclaim_cooldown.
 * Who may claim which lead is the lead policy's answer (reps, from the pools they see). Returns
 * the lead as it is after the claim.
 */
export async function claimFromPool(ctx: AppContext, actor: MemberActor, leadId: number): Promise<Lead> {
  const manager = ctx.dataSource.manager;
  const [found, scope] = await Promise.all([manager.findOneBy(Lead, { id: leadId }), leadScopeOf(manager, actor)]);
  const lead = await authorizeClaim(manager, scope, found);
  const userId = actor.userId;
  if (!lead.inPool) {
    // A retried request that already won gets the same answer again.
    if (lead.ownerUserId === userId) return lead;
    if (lead.ownerUserId) throw alreadyClaimed();
    throw notFound('lead');
  }

  const now = Date.now();
  // No throwing inside: a refused claim commits nothing and its error is raised after it.
  const outcome = await capCheckTransaction(ctx.dataSource, async (m): Promise<HttpError | 'won' | 'lost'> => {
    // The caps are checked under the rep's lock: two claims by one rep at once (a double tap,
    // two devices) take turns, so the second sees the first and cannot pass a cap with it.
    await lockReps(m, [userId]);
    const blockedUntil = await reclaimBlockedUntil(m, userId, leadId, now);
    if (blockedUntil) {
      return new HttpError(409, 'reclaim_cooldown', `您最近退回或被释放了该线索，${formatCst(blockedUntil.until)} 后才能重新认领`, {
        availableAt: new Date(blockedUntil.until).toISOString(),
        cooldownHours: blockedUntil.cooldownHours,
      });
    }
    const allowance = await claimAllowance(m, userId, now);
    if (allowance.claimedToday >= allowance.dailyLimit) {
      return new HttpError(429, 'daily_claim_limit_reached', `今日认领已达上限（${allowance.dailyLimit} 条），请明天再来`, {
        limit: allowance.dailyLimit,
        claimedToday: allowance.claimedToday,
      });
    }
    if (allowance.held >= allowance.heldLimit) {
      return new HttpError(409, 'held_limit_reached', `您名下的在跟进线索已达上限（${allowance.heldLimit} 条），请先跟进或退回部分线索`, {
        limit: allowance.heldLimit,
        held: allowance.held,
      });
    }
    const teamId = allowance.teamId ?? lead.teamId;
    const claimed = await changeOwner(m, {
      leadId,
      leadName: lead.name,
      kind: 'claimed',
      expect: { ownerUserId: null, inPool: true },
      to: { ownerUserId: userId, inPool: false, teamId },
      fromUserId: null,
      reason: '从公海认领',
      timeline: { kind: 'pool.claimed', summary: `${userId} 从公海认领了该线索`, data: { userId } },
      at: now,
    });
    if (!claimed) return 'lost';
    return 'won';
  });
  if (outcome instanceof HttpError) throw outcome;
  const won = outcome === 'won';
  if (!won) throw alreadyClaimed();
  return manager.findOneByOrFail(Lead, { id: leadId });
}

