import { In, LessThan } from 'typeorm';
import type { ScheduledTask } from '../scheduler/scheduled-task';
import { RepSession } from './rep-session.entity';

/**
 * Expired rep sessions are useless (the auth gate refuses them) but would pile up, one per sign-in,
 * forever. Deleted daily, once across all instances.
 */
const BATCH = 1000;

export const pruneRepSessionsTask: ScheduledTask = {
  name: 'rep-sessions.prune',
  cron: '17 4 * * *',
  async run(ctx, slotStartedAt) {
    const sessions = ctx.dataSource.getRepository(RepSession);
    let removed = 0;
    // In batches, so a first prune of a long-grown table holds no lock for long.
    for (;;) {
      const batch = await sessions.find({ select: { tokenHash: true }, where: { expiresAt: LessThan(slotStartedAt) }, take: BATCH });
      if (batch.length === 0) break;
      await sessions.delete({ tokenHash: In(batch.map((s) => s.tokenHash)) });
      removed += batch.length;
      if (batch.length < BATCH) break;
    }
    if (removed) ctx.logger.info({ removed }, 'pruned expired rep sessions');
  },
};
