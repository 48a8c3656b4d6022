import { LessThan } from 'typeorm';
import type { ScheduledTask } from '../scheduled-tasks';
import { RepSession } from './rep-session.entity';

/**
 * Expired rep sessions are useless (requireRep refuses them) but would pile up, one per sign-in,
 * forever. Deleted daily, once across all instances.
 */
export const pruneRepSessionsTask: ScheduledTask = {
  name: 'rep-sessions.prune',
  cron: '17 4 * * *',
  async run(ctx, slotStartedAt) {
    const { affected } = await ctx.dataSource.getRepository(RepSession).delete({ expiresAt: LessThan(slotStartedAt) });
    if (affected) ctx.logger.info({ removed: affected }, 'pruned expired rep sessions');
  },
};
