import { DataSource, LessThan } from 'typeorm';
import { RateLimitWindow } from '../form-submission.entity';

export interface RateLimitVerdict {
  allowed: boolean;
  count: number;
  /** Seconds until the current window ends (for Retry-After). */
  retryAfterSeconds: number;
}

/** Old windows are deleted at most this often per process; they only matter while current. */
const PRUNE_EVERY_MS = 60_000;
let lastPrune = 0;

/**
 * Counts one hit on `key` in a fixed window shared by every instance through the
 * rate_limit_window table. The increment and the read happen in one transaction, so each
 * caller sees its own position in the window even when instances race.
 */
export async function hitRateLimit(dataSource: DataSource, key: string, max: number, windowMs: number, now = Date.now()): Promise<RateLimitVerdict> {
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const count = await dataSource.transaction(async (manager) => {
    await manager.createQueryBuilder().insert().into(RateLimitWindow).values({ key, windowStart, count: 0 }).orIgnore().execute();
    const column = manager.connection.driver.escape('count');
    await manager
      .createQueryBuilder()
      .update(RateLimitWindow)
      .set({ count: () => `${column} + 1` })
      .where({ key, windowStart })
      .execute();
    const row = await manager.findOneByOrFail(RateLimitWindow, { key, windowStart });
    return row.count;
  });
  if (now - lastPrune > PRUNE_EVERY_MS) {
    lastPrune = now;
    // Best effort: a failed prune only leaves stale rows for the next one.
    await dataSource
      .getRepository(RateLimitWindow)
      .delete({ windowStart: LessThan(now - Math.max(windowMs, 3_600_000)) })
      .catch(() => undefined);
  }
  return { allowed: count <= max, count, retryAfterSeconds: Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000)) };
}
