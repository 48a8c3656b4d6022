import { EntityManager } from 'typeorm';
import { enqueueJob, PRIORITY } from '../../jobs/enqueue';
import { isMysql } from '../../db/data-source';

export interface ActivityInput {
  leadId: number;
  /** channel, group_join, intent_keyword, customer_reply, follow_up_outcome, page_view, content_view, form_submit, … */
  kind: string;
  value?: string | null;
  data?: Record<string, unknown> | null;
  /** The caller scored the lead with this activity already (a lead scored in its capture). */
  alreadyScored?: boolean;
  /** Same key = same activity: re-running the caller does not count it twice. */
  dedupKey?: string | null;
  occurredAt?: number;
}

/**
 * Records a behaviour signal on a lead, in the caller's transaction, and queues the lead's
 * incremental re-score (job `lead.rescore`, one pending per lead at a time).
 */
export async function recordActivity(manager: EntityManager, input: ActivityInput): Promise<void> {
  const occurredAt = input.occurredAt ?? Date.now();
  const ignore = isMysql(manager.connection) ? 'INSERT IGNORE' : 'INSERT OR IGNORE';
  // Plain SQL for the row count: an activity already recorded (same dedup key, e.g. the same
  // import re-run) changes nothing, so it must not queue a re-score either.
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  const result = await runner.query(
    `${ignore} INTO lead_activity (lead_id, kind, value, data, dedup_key, occurred_at) VALUES (?, ?, ?, ?, ?, ?)`,
    [
      input.leadId,
      input.kind,
      input.value ? String(input.value).slice(0, 255) : null,
      JSON.stringify(input.data ?? null),
      input.dedupKey ? input.dedupKey.slice(0, 191) : null,
      occurredAt,
    ],
    true,
  ).finally(() => (runner === manager.queryRunner ? undefined : runner.release()));
  if (result.affected === 0 || input.alreadyScored) return;
  await requestRescore(manager, input.leadId, input.dedupKey ?? `${input.kind}:${occurredAt}`);
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
