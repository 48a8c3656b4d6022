import type { EventKind, WecomEvent } from '../wecom/events';
import type { FinalStatus } from '../queue/queue-worker';
import type { AppContext } from '../context';

export interface EventMeta {
  inboxId: number;
  receivedAt: number;
}

export type EventHandler<K extends EventKind> = (
  event: Extract<WecomEvent, { kind: K }>,
  ctx: AppContext,
  meta: EventMeta,
) => Promise<FinalStatus>;

/** One handler per event kind; a kind without a handler is stored and marked ignored. */
export type EventHandlers = { [K in EventKind]?: EventHandler<K> };
