import { DataSource } from 'typeorm';
import { isUniqueViolation } from '../db/data-source';
import { rowIdOf } from '../db/inserted-id';
import type { Reservation } from '../queue/queue-worker';
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

export type IntakeResult = { result: 'stored'; id: number } | { result: 'duplicate' };

/**
 * Local slots for an event this process will work itself (inbox/local-intake.ts): the row is
 * written leased to them, the welcome marked as about to be sent (its run starts at once).
 */
export interface IntakeLeases {
  inbox: Reservation;
  welcome: Reservation | null;
}

/**
 * Makes a verified callback durable: one INSERT, no explicit transaction. The welcome message,
 * the one side effect with a 20 s deadline, is stored on the same row (welcome_* columns, worked
 * by the welcome lane, inbox/welcome-queue.ts), so it never waits behind the inbox backlog and
 * can never exist without its event or the other way round. A repeated callback (same dedup
 * key) hits the unique key and stores nothing. Called before the 200 reply: no WeCom call here.
 */
export async function storeCallback(
  dataSource: DataSource,
  parsed: ParsedCallback,
  rawXml: string,
  now = Date.now(),
  leases: IntakeLeases | null = null,
): Promise<IntakeResult> {
  const { event } = parsed;
  const welcomeCode = event.kind === 'contact.added' && event.welcomeCode ? event.welcomeCode : null;
  const welcome = welcomeCode ? leases?.welcome ?? null : null;
  // Plain SQL, not the query builder: this runs once per callback before the ack (the query
  // builder was a fifth of the ack path's CPU, docs/benchmarks.md).
  const runner = dataSource.createQueryRunner();
  try {
    const result = await runner.query(
      `INSERT INTO inbox_event (dedup_key, partition_key, kind, payload, raw_xml, status, attempts, available_at, received_at,
         welcome_code, welcome_status, welcome_attempts, welcome_available_at, welcome_deadline_at,
         lease_owner, lease_until, welcome_lease_owner, welcome_lease_until, welcome_may_have_sent_at)
       VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        parsed.dedupKey.slice(0, 191),
        parsed.partitionKey.slice(0, 191),
        event.kind,
        JSON.stringify(event),
        rawXml,
        leases ? 1 : 0,
        now,
        now,
        welcomeCode,
        welcomeCode ? 'pending' : null,
        welcome ? 1 : 0,
        welcomeCode ? now : null,
        welcomeCode && event.kind === 'contact.added' ? welcomeDeadline(event.createTime, now) : null,
        leases?.inbox.owner ?? null,
        leases?.inbox.until ?? null,
        welcome?.owner ?? null,
        welcome?.until ?? null,
        // Its run starts now, so from now on a crash means "may have been sent" (channels/welcome-job.ts).
        welcome ? now : null,
      ],
      true,
    );
    return { result: 'stored', id: rowIdOf(result.raw) };
  } catch (error) {
    if (isUniqueViolation(error)) return { result: 'duplicate' };
    throw error;
  } finally {
    await runner.release();
  }
}

