import { EntityManager } from 'typeorm';
import { enqueueJob, PRIORITY } from '../../jobs/enqueue';
import { LeadActivity } from '../lead-activity.entity';

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

/**
 * Records a behaviour signal on a lead, in the caller's transaction, and queues the lead's
 * incremental re-score (job `lead.rescore`, one pending per lead at a time).
 */
export async function recordActivity(manager: EntityManager, input: ActivityInput): Promise<void> {
  const occurredAt = input.occurredAt ?? Date.now();
  await manager
    .createQueryBuilder()
    .insert()
    .into(LeadActivity)
    .values({
      leadId: input.leadId,
      kind: input.kind,
      value: input.value ? String(input.value).slice(0, 255) : null,
      data: (input.data ?? null) as never,
      dedupKey: input.dedupKey ? input.dedupKey.slice(0, 191) : null,
      occurredAt,
    })
    .orIgnore()
    .execute();
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
