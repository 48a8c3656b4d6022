import { In } from 'typeorm';
import type { AppContext } from '../context';
import { Channel } from '../channels/channel.entity';
import { CohortLead, loadCohort, rate, reachedCounts } from './cohort';
import { presentRange, type StatsRange } from './range';

/** Per channel (and 'organic'): leads created in the range, how far they got, and won / leads. */
export async function channelConversionStats(ctx: AppContext, range: StatsRange) {
  return { ...presentRange(range), items: await channelConversionOf(ctx, await loadCohort(ctx, range)) };
}

/** The per-channel rows of a cohort: channels by id, organic last. */
export async function channelConversionOf(ctx: AppContext, leads: CohortLead[]) {
  const groups = new Map<number | null, CohortLead[]>();
  for (const lead of leads) {
    const list = groups.get(lead.channelId) ?? [];
    list.push(lead);
    groups.set(lead.channelId, list);
  }
  const ids = [...groups.keys()].filter((id): id is number => id !== null);
  const channels = ids.length ? await ctx.dataSource.getRepository(Channel).findBy({ id: In(ids) }) : [];
  const names = new Map(channels.map((c) => [c.id, c.name]));
  // Channels by id, organic last.
  const keys = [...ids.sort((a, b) => a - b), ...(groups.has(null) ? [null] : [])];
  return keys.map((channelId) => {
    const group = groups.get(channelId)!;
    const reached = reachedCounts(group);
    return {
      channelId,
      attribution: channelId === null ? 'organic' : 'channel',
      name: channelId === null ? null : (names.get(channelId) ?? null),
      leads: group.length,
      reached,
      won: reached.won,
      lost: group.filter((l) => l.stage === 'lost').length,
      conversionRate: rate(reached.won, group.length),
    };
  });
}
