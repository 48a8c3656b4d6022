import { In, LessThan } from 'typeorm';
import type { ScheduledTask } from '../scheduler/scheduled-task';
import { MemberSession } from './member-session.entity';

/**
 * Member sessions whose refresh token expired, or that were revoked, are useless (the auth gate
 * refuses them) but would pile up, one per sign-in, forever. Deleted daily, once across all
 * instances; a revoked session is kept a day first, so an operator can still see why a member
 * was signed out.
 */
const BATCH = 1000;
const KEEP_REVOKED_MS = 24 * 3600_000;

export const pruneMemberSessionsTask: ScheduledTask = {
  name: 'member-sessions.prune',
  cron: '17 4 * * *',
  async run(ctx, slotStartedAt) {
    const sessions = ctx.dataSource.getRepository(MemberSession);
    let removed = 0;
    for (const where of [{ refreshExpiresAt: LessThan(slotStartedAt) }, { revokedAt: LessThan(slotStartedAt - KEEP_REVOKED_MS) }]) {
      // In batches, so a first prune of a long-grown table holds no lock for long.
      for (;;) {
        const batch = await sessions.find({ select: { id: true }, where, take: BATCH });
        if (batch.length === 0) break;
        await sessions.delete({ id: In(batch.map((s) => s.id)) });
        removed += batch.length;
        if (batch.length < BATCH) break;
      }
    }
    if (removed) ctx.logger.info({ removed }, 'pruned expired and revoked member sessions');
  },
};
