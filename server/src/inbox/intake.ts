import { DataSource } from 'typeorm';
import { isMysql, isUniqueViolation } from '../db/data-source';
import { PRIORITY } from '../jobs/enqueue';
import type { ParsedCallback } from '../wecom/events';

/** WeCom's welcome_code is valid for 20 s from the add event. */
export const WELCOME_WINDOW_MS = 20_000;

/**
 * WeCom waits 5 s for our reply before it delivers a callback again, so an add that looks older
 * than this on arrival is a retry (we were slow or down) and has part of its 20 s spent.
 */
const RETRY_AGE_MS = 4_000;

/**
 * When the welcome code's 20 s end. They run from the add itself, not from our intake; but
 * CreateTime is read against our clock, so it is trusted only when it says "retry": a first
 * delivery keeps its full window even if this server's clock runs a few seconds ahead of WeCom's.
 * CreateTime has whole seconds, so the add happened up to 999 ms after it.
 */
export function welcomeDeadline(createTimeSeconds: number, receivedAt: number): number {
  const createdAt = createTimeSeconds * 1000 + 999;
  const addedAt = createTimeSeconds > 0 && receivedAt - createdAt >= RETRY_AGE_MS ? createdAt : receivedAt;
  return addedAt + WELCOME_WINDOW_MS;
}

export type IntakeResult = 'stored' | 'duplicate';

/**
 * Makes a verified callback durable. The welcome message, the one side effect with a 20 s
 * deadline, is queued in the same transaction so it never waits behind the inbox backlog.
 * Called before the 200 reply: no WeCom call happens here.
 */
export async function storeCallback(dataSource: DataSource, parsed: ParsedCallback, rawXml: string): Promise<IntakeResult> {
  const now = Date.now();
  const { event } = parsed;
  // Plain SQL, not the query builder: this runs once per callback before the ack. With mysql2's
  // per-query stack traces off too, the ack path's CPU fell by about 30% (profiled at 500/s,
  // docs/benchmarks.md).
  const ignore = isMysql(dataSource) ? 'INSERT IGNORE' : 'INSERT OR IGNORE';
  try {
    await dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO inbox_event (dedup_key, partition_key, kind, payload, raw_xml, status, attempts, available_at, received_at)
         VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
        [parsed.dedupKey.slice(0, 191), parsed.partitionKey.slice(0, 191), event.kind, JSON.stringify(event), rawXml, now, now],
      );
      if (event.kind === 'contact.added' && event.welcomeCode) {
        const payload = {
          welcomeCode: event.welcomeCode,
          userId: event.userId,
          externalUserId: event.externalUserId,
          state: event.state ?? null,
          receivedAt: now,
        };
        await manager.query(
          `${ignore} INTO job (kind, lane, dedup_key, payload, priority, status, attempts, available_at, deadline_at, created_at)
           VALUES ('welcome', 'welcome', ?, ?, ?, 'pending', 0, ?, ?, ?)`,
          [`welcome:${event.welcomeCode}`.slice(0, 191), JSON.stringify(payload), PRIORITY.welcome, now, welcomeDeadline(event.createTime, now), now],
        );
      }
    });
    return 'stored';
  } catch (error) {
    if (isUniqueViolation(error)) return 'duplicate';
    throw error;
  }
}
