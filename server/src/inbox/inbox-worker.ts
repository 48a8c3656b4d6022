import { In } from 'typeorm';
import type { AppContext } from '../context';
import { LeasedQueue } from '../queue/leased-queue';
import { QueueWorker } from '../queue/queue-worker';
import { WecomApiError } from '../wecom/errors';
import type { EventHandler, EventHandlers } from './handlers';
import { InboxEvent } from './inbox-event.entity';

export interface InboxWorkerOptions {
  concurrency: number;
  pollMs?: number;
  /** See QueueWorkerOptions.throttle. */
  throttle?: () => number | undefined;
  maxAttempts?: number;
}

/** Drains the callback inbox: one handler per event kind, in order per customer / group. */
export function createInboxWorker(ctx: AppContext, handlers: EventHandlers, options: InboxWorkerOptions) {
  const queue = new LeasedQueue(ctx.dataSource, { table: 'inbox_event', partitioned: true }, ctx.workerId);
  const repo = ctx.dataSource.getRepository(InboxEvent);
  const worker = new QueueWorker<InboxEvent>({
    name: 'inbox',
    queue,
    load: (ids) => repo.findBy({ id: In(ids) }),
    handle: async (row) => {
      const handler = handlers[row.payload.kind] as EventHandler<typeof row.payload.kind> | undefined;
      if (!handler) return 'ignored';
      return handler(row.payload as never, ctx, { inboxId: row.id, receivedAt: row.receivedAt });
    },
    isPermanent: (error) => error instanceof WecomApiError && !error.retryable,
    logger: ctx.logger,
    concurrency: options.concurrency,
    leaseMs: 60_000,
    pollMs: options.pollMs ?? 250,
    maxAttempts: options.maxAttempts ?? 8,
    throttle: options.throttle,
    retryBaseMs: 1000,
    retryCapMs: 5 * 60_000,
  });
  return { worker, queue };
}
