import type { AppContext } from '../context';
import type { Job } from '../jobs/job.entity';
import { isPermanentJobError, PermanentJobFailure } from '../jobs/job-worker';
import { LeadRecordBatch } from '../leads/record-batch';
import type { FinalStatus } from '../queue/queue-worker';
import type { EventJobPayload } from './publish';
import { subscribers } from './registry';
import type { DomainEvent, Subscriber } from './types';

/** A job written before events were one job each: one subscriber, one event. */
interface SingleSubscriberPayload {
  subscriber: string;
  event: DomainEvent;
}

type Failure = { subscriber: string; error: unknown };
const summary = (failures: Failure[]) => failures.map((f) => `${f.subscriber}: ${describe(f.error)}`).join('; ');

/** Some of an event's subscribers failed and may pass on a retry; those that ran are recorded. */
export class SubscribersFailedError extends Error {
  constructor(readonly failures: Failure[]) {
    super(summary(failures));
    this.name = 'SubscribersFailedError';
  }
}

/** The subscribers left failed for good: the job is dead-lettered with their errors. */
export class SubscribersRefusedError extends PermanentJobFailure {
  constructor(readonly failures: Failure[]) {
    super(summary(failures));
    this.name = 'SubscribersRefusedError';
  }
}

/**
 * Job `event:<name>`: every subscriber that wanted one domain event (events/publish.ts), run side
 * by side. What they record on leads (timeline entries, tags) is written together once they
 * ran, one statement per table, and the job's completion is one more: an event with two
 * subscribers costs what one did.
 *
 * Each subscriber still runs once per event, across crashes and instances: the job holds a lease
 * like every job, and when some subscribers fail, the ones that succeeded are recorded on the
 * job (payload.done) with their records written, so a retry (or an operator's replay of the dead
 * job) runs only the others. When every failure is one retrying cannot help, the job is
 * dead-lettered at once.
 */
export async function runEventJob(job: Job, ctx: AppContext): Promise<FinalStatus> {
  const payload = normalize(job.payload as unknown as EventJobPayload | SingleSubscriberPayload);
  const { event } = payload;
  const registered = (subscribers[event.name] ?? []) as Subscriber[];
  const settled = new Set(payload.done ?? []);
  // A subscriber removed since the event was published has nothing left to do.
  const due = payload.subscribers
    .filter((name) => !settled.has(name))
    .map((name) => registered.find((s) => s.name === name))
    .filter((s): s is Subscriber => !!s);
  if (due.length === 0) return 'ignored';

  const runs = due.map((subscriber) => ({ subscriber, records: new LeadRecordBatch() }));
  const outcomes = await Promise.allSettled(
    runs.map(({ subscriber, records }) => subscriber.handle(event as never, ctx, { key: `${subscriber.name}@${event.key}`, records })),
  );
  const records = new LeadRecordBatch();
  const done: string[] = [];
  const failures: Failure[] = [];
  outcomes.forEach((outcome, i) => {
    if (outcome.status === 'fulfilled') {
      records.absorb(runs[i].records);
      done.push(runs[i].subscriber.name);
    } else {
      failures.push({ subscriber: runs[i].subscriber.name, error: outcome.reason });
    }
  });
  await records.write(ctx.dataSource.manager);
  if (failures.length === 0) return 'done';

  // Retried while any failure may pass (the others are tried again too, and fail again, until
  // the attempts run out); dead-lettered at once when none can. A replay runs the failed again.
  const retryable = failures.some((f) => !isPermanentJobError(f.error));
  const progress: EventJobPayload = { ...payload, done: [...(payload.done ?? []), ...done] };
  if (done.length > 0) {
    await ctx.dataSource.query(`UPDATE job SET payload = ? WHERE id = ? AND lease_owner = ? AND status = 'pending'`, [
      JSON.stringify(progress),
      job.id,
      job.leaseOwner,
    ]);
    job.payload = progress as unknown as Record<string, unknown>;
  }
  throw retryable ? new SubscribersFailedError(failures) : new SubscribersRefusedError(failures);
}

function normalize(payload: EventJobPayload | SingleSubscriberPayload): EventJobPayload {
  if ('subscribers' in payload) return payload;
  return { event: payload.event, subscribers: [payload.subscriber] };
}

const describe = (error: unknown) => String((error as Error)?.message ?? error).slice(0, 500);
