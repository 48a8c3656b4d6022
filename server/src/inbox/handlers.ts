import type { EventKind, WecomEvent } from '../wecom/events';
import type { FinalStatus } from '../queue/queue-worker';
import type { EntityManager } from 'typeorm';
import type { AppContext } from '../context';

export interface EventMeta {
  inboxId: number;
  receivedAt: number;
  /**
   * Set for an event this process took in itself (inbox/local-intake.ts): the handler calls it
   * inside its transaction, which then also ends the inbox row (and the welcome sent before it),
   * and returns 'settled'. It throws when an earlier event of the same customer is still open:
   * the transaction rolls back and the event waits its turn.
   */
  settle?: (manager: EntityManager) => Promise<void>;
  /** The welcome this process sent for the event just before (its timeline entry, to write with the capture's). */
  welcomeEntry?: WelcomeEntry | null;
}

/** A welcome's outcome as the lead's timeline shows it. */
export interface WelcomeEntry {
  kind: string;
  summary: string;
  data?: Record<string, unknown> | null;
  dedupKey: string;
}

export type EventHandler<K extends EventKind> = (
  event: Extract<WecomEvent, { kind: K }>,
  ctx: AppContext,
  meta: EventMeta,
) => Promise<FinalStatus>;

/** One handler per event kind; a kind without a handler is stored and marked ignored. */
export type EventHandlers = { [K in EventKind]?: EventHandler<K> };
