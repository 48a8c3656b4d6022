import type { EntityManager } from 'typeorm';
import { enqueueJobs, JobRequest } from '../jobs/enqueue';
import { DomainEventRow } from './domain-event.entity';
// A cycle by nature (subscribers run commands that publish): registry → subscriber → command →
// publish → registry. It is safe: nothing here reads the registry until publishEvents is called.
import { subscribers } from './registry';
import type { DomainEvent, DomainEventName, Subscriber } from './types';

/** The job kind a subscriber runs under: `event:channel-tags`, so an operator sees who failed. */
export const subscriberJobKind = (subscriberName: string) => `event:${subscriberName}`;

/**
 * Publishes domain events inside the caller's transaction: one INSERT of the event rows, one
 * INSERT of a job per (event, interested subscriber). Both are keyed by the event's key, so a
 * producer that runs again (a retried handler, a crash and restart) publishes nothing twice,
 * and each subscriber runs once per event, on whichever instance claims its job.
 */
export async function publishEvents(manager: EntityManager, events: DomainEvent[]): Promise<void> {
  if (!events.length) return;
  await manager
    .createQueryBuilder()
    .insert()
    .into(DomainEventRow)
    .values(
      events.map((event) => ({
        eventKey: event.key.slice(0, 191),
        name: event.name,
        leadId: 'leadId' in event.payload ? (event.payload as { leadId: number }).leadId : null,
        payload: event.payload as never,
        occurredAt: event.occurredAt,
      })),
    )
    .orIgnore()
    .updateEntity(false)
    .execute();
  await enqueueJobs(manager, events.flatMap(subscriberJobs));
}

export function publishEvent<N extends DomainEventName>(manager: EntityManager, event: DomainEvent<N>): Promise<void> {
  return publishEvents(manager, [event as DomainEvent]);
}

function subscriberJobs(event: DomainEvent): JobRequest[] {
  const interested = (subscribers[event.name] as Subscriber[]).filter((s) => !s.wants || s.wants(event.payload as never));
  return interested.map((subscriber) => ({
    kind: subscriberJobKind(subscriber.name),
    dedupKey: `${subscriber.name}@${event.key}`,
    payload: { subscriber: subscriber.name, event: event as unknown as Record<string, unknown> },
    priority: subscriber.priority,
  }));
}
