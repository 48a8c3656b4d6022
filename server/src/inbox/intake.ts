import { DataSource } from 'typeorm';
import { isUniqueViolation } from '../db/data-source';
import { enqueueJob, PRIORITY } from '../jobs/enqueue';
import type { ParsedCallback } from '../wecom/events';
import { InboxEvent } from './inbox-event.entity';

/** WeCom's welcome_code is valid for 20 s from the add event. */
export const WELCOME_WINDOW_MS = 20_000;

/**
 * When the welcome code's 20 s end. They run from the add itself, not from our intake: a
 * callback WeCom had to retry (we were slow or down) arrives with part of the window spent.
 * CreateTime has whole seconds, so the add happened up to 999 ms after it.
 */
export function welcomeDeadline(createTimeSeconds: number, receivedAt: number): number {
  const addedAt = createTimeSeconds > 0 ? Math.min(receivedAt, createTimeSeconds * 1000 + 999) : receivedAt;
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
  try {
    await dataSource.transaction(async (manager) => {
      await manager.insert(InboxEvent, {
        dedupKey: parsed.dedupKey.slice(0, 191),
        partitionKey: parsed.partitionKey.slice(0, 191),
        kind: event.kind,
        payload: event,
        rawXml,
        status: 'pending',
        attempts: 0,
        availableAt: now,
        receivedAt: now,
      });
      if (event.kind === 'contact.added' && event.welcomeCode) {
        await enqueueJob(manager, {
          kind: 'welcome',
          dedupKey: `welcome:${event.welcomeCode}`,
          payload: {
            welcomeCode: event.welcomeCode,
            userId: event.userId,
            externalUserId: event.externalUserId,
            state: event.state ?? null,
            receivedAt: now,
          },
          priority: PRIORITY.welcome,
          deadlineAt: welcomeDeadline(event.createTime, now),
        });
      }
    });
    return 'stored';
  } catch (error) {
    if (isUniqueViolation(error)) return 'duplicate';
    throw error;
  }
}
