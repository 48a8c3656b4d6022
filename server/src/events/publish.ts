import type { EntityManager } from 'typeorm';
import { enqueueJobs, JobRequest } from '../jobs/enqueue';
// A cycle by nature (subscribers run commands that publish): registry → subscriber → command →
// publish → registry. It is safe: nothing here reads the registry until publishEvents is called.
import { subscribers } from './registry';
import type { DomainEvent, DomainEventName, Subscriber } from './types';

/** The job kind an event's subscribers run under: `event:lead.captured`. */
export const eventJobKind = (eventName: string) => `event:${eventName}`;

/** What an event's job carries (events/event-job.ts). */
export interface EventJobPayload {
  event: DomainEvent;
  /** The subscribers that wanted the event when it was published. */
  subscribers: string[];
  /** Those that ran to the end in an earlier attempt: not run again. */
  done?: string[];
}

/**
 * Publishes domain events inside the caller's transaction (an outbox): each event becomes one
 * job row, `event:<name>`, carrying the event and the subscribers that want it, all written in
 * one INSERT with the change the events record, so a fact and its consequences commit together
 * or not at all. The row is keyed by the event's key, so a producer that runs again (a retried
 * handler, a crash and restart) publishes nothing twice. An event no subscriber wants writes
 * nothing.
 */
export async function publishEvents(manager: EntityManager, events: DomainEvent[]): Promise<void> {
  await enqueueJobs(manager, events.map(eventJob).filter((job): job is JobRequest => job !== null));
}

export function publishEvent<N extends DomainEventName>(manager: EntityManager, event: DomainEvent<N>): Promise<void> {
  return publishEvents(manager, [event as DomainEvent]);
}

/** The subscribers of an event that want it, in registry order. */
export function interestedIn(event: DomainEvent): Subscriber[] {
  return ((subscribers[event.name] ?? []) as Subscriber[]).filter((s) => !s.wants || s.wants(event.payload as never));
}

function eventJob(event: DomainEvent): JobRequest | null {
  const interested = interestedIn(event);
  if (interested.length === 0) return null;
  const payload: EventJobPayload = { event, subscribers: interested.map((s) => s.name) };
  return {
    kind: eventJobKind(event.name),
    dedupKey: `event@${event.key}`,
    payload: payload as unknown as Record<string, unknown>,
    priority: Math.min(...interested.map((s) => s.priority)),
  };
}
