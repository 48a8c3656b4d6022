import type { EntityManager } from 'typeorm';
import type { AppContext } from '../../context';
import { enqueueJob, enqueueJobs, JobRequest, PRIORITY } from '../../jobs/enqueue';
import type { Job } from '../../jobs/job.entity';
import { Lead } from '../lead.entity';
import { addTimelineEntry, TimelineInput } from '../timeline';

type Entry = Omit<TimelineInput, 'leadId'>;

/**
 * Writes a timeline entry on the lead of `externalUserId`. The welcome runs in parallel with the
 * capture of the lead and can finish first; then the entry is handed to a job that waits for
 * the lead to exist.
 */
export async function recordOnLead(ctx: AppContext, externalUserId: string, entry: Entry): Promise<void> {
  // No transaction: each branch is one idempotent statement, and a lead created in between is
  // found by the deferred job. This runs on the welcome path, where round trips are the budget.
  const manager = ctx.dataSource.manager;
  const lead = await manager.getRepository(Lead).findOneBy({ externalUserId });
  if (lead) {
    await addTimelineEntry(manager, { ...entry, leadId: lead.id });
    return;
  }
  await deferTimelineEntry(ctx, externalUserId, entry, 0);
}

function deferredEntryJob(externalUserId: string, entry: Entry, round: number): JobRequest {
  return {
    kind: 'timeline.deferred',
    dedupKey: `timeline:${entry.dedupKey ?? `${externalUserId}:${entry.kind}:${Date.now()}`}${round ? `:r${round}` : ''}`,
    payload: { externalUserId, entry, round },
    priority: PRIORITY.background,
    availableAt: Date.now() + (round ? 60_000 : 500),
  };
}

/** Retry the entry later; `round` counts hand-overs so a lead that never appears is given up. */
async function deferTimelineEntry(ctx: AppContext, externalUserId: string, entry: Entry, round: number) {
  await enqueueJob(ctx.dataSource.manager, deferredEntryJob(externalUserId, entry, round));
  ctx.kick();
}

/**
 * Many entries at once, in one statement inside the caller's transaction, each written when its
 * lead exists (e.g. from a sweep). The deferred jobs start half a second later; no kick needed.
 */
export async function recordOnLeadsLater(manager: EntityManager, items: Array<{ externalUserId: string; entry: Entry }>): Promise<void> {
  await enqueueJobs(
    manager,
    items.map(({ externalUserId, entry }) => deferredEntryJob(externalUserId, entry, 0)),
  );
}

/** A viral burst can keep leads waiting in the inbox for minutes; keep trying for about half an hour. */
const MAX_ROUNDS = 30;
/** Within one job, backoff retries this often before the job hands over to a fresh one. */
const ATTEMPTS_PER_ROUND = 5;

export class LeadNotYetCapturedError extends Error {
  constructor(externalUserId: string) {
    super(`lead for ${externalUserId} not captured yet`);
  }
}

/**
 * Job `timeline.deferred`: retried with backoff until the lead exists; after a few attempts it
 * hands over to a fresh job a minute later (backoff alone would dead-letter it within ~2 min).
 */
export async function deferredTimelineJob(job: Job, ctx: AppContext) {
  const { externalUserId, entry, round = 0 } = job.payload as { externalUserId: string; entry: Entry; round?: number };
  const lead = await ctx.dataSource.getRepository(Lead).findOneBy({ externalUserId });
  if (lead) {
    await addTimelineEntry(ctx.dataSource.manager, { ...entry, leadId: lead.id });
    return 'done' as const;
  }
  if (job.attempts < ATTEMPTS_PER_ROUND) throw new LeadNotYetCapturedError(externalUserId);
  if (round + 1 >= MAX_ROUNDS) return 'skipped' as const;
  await deferTimelineEntry(ctx, externalUserId, entry, round + 1);
  return 'done' as const;
}
