import { In } from 'typeorm';
import type { AppContext } from '../context';
import { Member } from '../members/member.entity';
import type { StatsScope } from '../policies/stats';
import { PIPELINE, STAGE_LABELS } from '../leads/stages/transitions';
import { channelConversionOf } from './channels';
import { CohortLead, loadCohort, reachedCounts, secondsSummary } from './cohort';
import type { StatsRange } from './range';
import { responseSeconds } from './reps';
import { chatResponseStats } from '../archive/responses/response-stats';

const toMinutes = (seconds: number | null) => (seconds === null ? null : Math.round(seconds / 6) / 10);

/** How the mini-program names leads that came through no channel. */
const ORGANIC = '自然流量';

/**
 * A manager's stats page (GET /api/mp/stats): over the leads created in the range (Shanghai
 * days) and owned by the members of their teams — or the whole corp for an admin — the funnel
 * (leads that reached each stage of new → won, definitions in cohort.ts), conversion per channel,
 * and each member's median response time: to a new lead (first follow-up), and to a customer
 * waiting in chat (the chat archive). A manager's team members are listed even without
 * leads in the range, so a rep who got nothing shows as such.
 */
export async function teamStats(ctx: AppContext, scope: StatsScope, range: StatsRange) {
  const leads = await loadCohort(ctx, range, scope.all ? {} : { ownerUserIds: scope.owners });
  const reached = reachedCounts(leads);
  const byOwner = new Map<string, CohortLead[]>((scope.all ? [] : scope.owners).map((userId) => [userId, []]));
  for (const lead of leads) if (lead.ownerUserId) byOwner.set(lead.ownerUserId, [...(byOwner.get(lead.ownerUserId) ?? []), lead]);
  const channels = await channelConversionOf(ctx, leads);
  const chat = await chatResponseStats(ctx.dataSource, range, scope.all ? undefined : scope.owners);
  for (const userId of chat.keys()) if (!byOwner.has(userId)) byOwner.set(userId, []);
  const userIds = [...byOwner.keys()].sort();
  const members = userIds.length ? await ctx.dataSource.getRepository(Member).find({ where: { userId: In(userIds) }, select: { userId: true, name: true } }) : [];
  const names = new Map(members.map((m) => [m.userId, m.name]));
  return {
    from: range.from,
    to: range.to,
    funnel: PIPELINE.map((stage) => ({ stage, label: STAGE_LABELS[stage], count: reached[stage] })),
    channels: channels.map((c) => ({ id: c.channelId, name: c.channelId === null ? ORGANIC : (c.name ?? '未知渠道'), leads: c.leads, won: c.won, conversionRate: c.conversionRate })),
    responseTimes: userIds.map((userId) => {
      const owned = byOwner.get(userId)!;
      const { medianSeconds } = secondsSummary(responseSeconds(owned));
      // The WeCom name from the member sync; a rep the sync has not seen goes by their userid.
      const replies = chat.get(userId);
      return {
        userId,
        name: names.get(userId) ?? userId,
        medianMinutes: toMinutes(medianSeconds),
        leads: owned.length,
        // How long customers waited for this rep's answer in chat (the chat archive), median.
        chatMedianMinutes: toMinutes(replies?.medianSeconds ?? null),
        chatReplies: replies?.count ?? 0,
      };
    }),
  };
}
