import type { AppContext } from '../context';
import type { Job } from '../jobs/job.entity';
import { subscribers } from './registry';
import type { DomainEvent, Subscriber } from './types';

/**
 * Job `event:<subscriber>`: one subscriber's reaction to one domain event. The job machinery gives it what
 * every job has: a lease, retries with backoff, dead-lettering with the error, exactly one run
 * per (event, subscriber) across crashes and instances.
 */
export async function runSubscriberJob(job: Job, ctx: AppContext) {
  const { subscriber: name, event } = job.payload as { subscriber: string; event: DomainEvent };
  const subscriber = (subscribers[event.name] as Subscriber[] | undefined)?.find((s) => s.name === name);
  // A subscriber removed since the event was published: nothing left to do.
  if (!subscriber) return 'ignored' as const;
  return subscriber.handle(event as never, ctx, job);
}
