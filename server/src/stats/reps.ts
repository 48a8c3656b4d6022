import type { AppContext } from '../context';
import { CohortLead, loadCohort, rate, secondsSummary } from './cohort';
import { presentRange, type StatsRange } from './range';
import { chatResponseStats, NO_CHAT_RESPONSES } from '../archive/responses/response-stats';

/**
 * Per rep: leads created in the range that they own now, won and conversion among those, their
 * response time (first follow-up after the lead came), the follow-ups they logged in the range (on
 * any lead), and how fast they answered customers in chat in the range (the chat archive).
 */
export async function repStats(ctx: AppContext, range: StatsRange) {
  const [leads, followUpRows, chat] = await Promise.all([
    loadCohort(ctx, range),
    ctx.dataSource.query(
      'SELECT user_id, COUNT(*) AS n FROM follow_up WHERE created_at >= ? AND created_at < ? GROUP BY user_id',
      [range.start, range.end],
    ) as Promise<Array<{ user_id: string; n: number | string }>>,
    chatResponseStats(ctx.dataSource, range),
  ]);
  const followUps = new Map(followUpRows.map((r) => [r.user_id, Number(r.n)]));
  const owned = new Map<string, CohortLead[]>();
  let unassigned = 0;
  for (const lead of leads) {
    if (!lead.ownerUserId) {
      unassigned++;
      continue;
    }
    const list = owned.get(lead.ownerUserId) ?? [];
    list.push(lead);
    owned.set(lead.ownerUserId, list);
  }
  const userIds = [...new Set([...owned.keys(), ...followUps.keys(), ...chat.keys()])].sort();
  return {
    ...presentRange(range),
    unassignedLeads: unassigned,
    items: userIds.map((userId) => {
      const mine = owned.get(userId) ?? [];
      const won = mine.filter((l) => l.stage === 'won').length;
      const responses = responseSeconds(mine);
      return {
        userId,
        leads: mine.length,
        followUps: followUps.get(userId) ?? 0,
        won,
        conversionRate: rate(won, mine.length),
        responseTime: secondsSummary(responses),
        chatResponseTime: chat.get(userId) ?? NO_CHAT_RESPONSES,
      };
    }),
  };
}

/** Response time (firstResponseAt − createdAt, in seconds) of each lead that has one. */
export const responseSeconds = (leads: CohortLead[]) =>
  leads.filter((l) => l.firstResponseAt !== null).map((l) => Math.max(0, l.firstResponseAt! - l.createdAt) / 1000);
