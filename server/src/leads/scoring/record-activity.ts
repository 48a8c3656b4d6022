import { EntityManager } from 'typeorm';
import { enqueueJob, PRIORITY } from '../../jobs/enqueue';
import { isMysql } from '../../db/data-source';
import type { CaptureSignal } from '../lead.entity';

export interface ActivityInput {
  leadId: number;
  /** channel, group_join, intent_keyword, customer_reply, follow_up_outcome, page_view, content_view, form_submit, … */
  kind: string;
  value?: string | null;
  data?: Record<string, unknown> | null;
  /** Same key = same activity: re-running the caller does not count it twice. */
  dedupKey?: string | null;
  occurredAt?: number;
}

/** An activity as a lead_activity row stores it: the same fields as a new lead's capture signal. */
export type StoredActivity = CaptureSignal;

/** The activity clipped to its columns, as lead_activity and lead.capture_signal store it. */
export function storedActivity(input: Omit<ActivityInput, 'leadId'>): StoredActivity {
  return {
    kind: input.kind,
    value: input.value ? String(input.value).slice(0, 255) : null,
    data: input.data ?? null,
    dedupKey: input.dedupKey ? input.dedupKey.slice(0, 191) : null,
    occurredAt: input.occurredAt ?? Date.now(),
  };
}

/**
 * Records a behaviour signal on a lead, in the caller's transaction, and queues the lead's
 * incremental re-score (job `lead.rescore`, one pending per lead at a time).
 */
export async function recordActivity(manager: EntityManager, input: ActivityInput): Promise<void> {
  const activity = storedActivity(input);
  // An activity already recorded (same dedup key, e.g. the same import re-run) changes nothing,
  // so it must not queue a re-score either.
  if (!(await insertActivity(manager, input.leadId, activity))) return;
  await requestRescore(manager, input.leadId, activity.dedupKey ?? `${activity.kind}:${activity.occurredAt}`);
}

/**
 * The lead_activity row alone, no re-score: false when a row with its dedup key exists already.
 * For callers that re-score themselves (a merge moving a capture signal to the kept lead).
 */
export async function insertActivity(manager: EntityManager, leadId: number, activity: StoredActivity): Promise<boolean> {
  const ignore = isMysql(manager.connection) ? 'INSERT IGNORE' : 'INSERT OR IGNORE';
  // Plain SQL for the row count.
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  const result = await runner.query(
    `${ignore} INTO lead_activity (lead_id, kind, value, data, dedup_key, occurred_at) VALUES (?, ?, ?, ?, ?, ?)`,
    [leadId, activity.kind, activity.value, JSON.stringify(activity.data ?? null), activity.dedupKey, activity.occurredAt],
    true,
  ).finally(() => (runner === manager.queryRunner ? undefined : runner.release()));
  return result.affected !== 0;
}

/**
 * Queues a re-score of the lead (e.g. after its attributes changed). Requests coalesce: while a
 * re-score of the lead waits to start, further ones are no-ops (it will read their changes too).
 * `cause` only labels the job that gets queued.
 */
export async function requestRescore(manager: EntityManager, leadId: number, cause: string): Promise<void> {
  await enqueueJob(manager, {
    kind: 'lead.rescore',
    // One key per lead; the job frees it as it starts (releaseDedupKey in rescoreLeadJob).
    dedupKey: `rescore:${leadId}`,
    payload: { leadId, cause: cause.slice(0, 191) },
    priority: PRIORITY.background,
  });
}
