import type { AppContext } from '../context';
import { LeasedQueue } from '../queue/leased-queue';
import { QueueWorker } from '../queue/queue-worker';
import { WecomApiError } from '../wecom/errors';
import type { EventHandler, EventHandlers } from './handlers';
import { InboxEvent } from './inbox-event.entity';
import { LocalIntake, WelcomeLane } from './local-intake';

export interface InboxWorkerOptions {
  concurrency: number;
  pollMs?: number;
  /** See QueueWorkerOptions.throttle. */
  throttle?: () => number | undefined;
  maxAttempts?: number;
  /** Epoch ms for leases and backoff (tests). */
  clock?: () => number;
  /** The welcome lane, to send an add's welcome first when this process took the add in itself (inbox/local-intake.ts). */
  welcomeLane?: WelcomeLane;
}

/** What an inbox claim loads: the event and its bookkeeping, not the raw XML or the welcome. */
const INBOX_SELECT = ['id', 'dedup_key', 'partition_key', 'kind', 'payload', 'status', 'attempts', 'available_at', 'lease_owner', 'lease_until', 'last_error', 'received_at', 'finished_at'];

const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));

function inboxEventFromRow(raw: Record<string, unknown>): InboxEvent {
  return Object.assign(new InboxEvent(), {
    id: Number(raw.id),
    dedupKey: String(raw.dedup_key),
    partitionKey: String(raw.partition_key),
    kind: String(raw.kind),
    payload: typeof raw.payload === 'string' ? JSON.parse(raw.payload) : raw.payload,
    status: raw.status as InboxEvent['status'],
    attempts: Number(raw.attempts),
    availableAt: Number(raw.available_at),
    leaseOwner: (raw.lease_owner as string | null) ?? null,
    leaseUntil: num(raw.lease_until),
    lastError: (raw.last_error as string | null) ?? null,
    receivedAt: Number(raw.received_at),
    finishedAt: num(raw.finished_at),
  });
}

/** Drains the callback inbox: one handler per event kind, in order per customer / group. */
export function createInboxWorker(ctx: AppContext, handlers: EventHandlers, options: InboxWorkerOptions) {
  const queue = new LeasedQueue(ctx.dataSource, { table: 'inbox_event', partitioned: true, select: INBOX_SELECT, clock: options.clock }, ctx.workerId);
  // Set below: the worker and the local intake need each other.
  let local: LocalIntake;
  const worker = new QueueWorker<InboxEvent>({
    name: 'inbox',
    queue,
    fromRow: inboxEventFromRow,
    handle: async (row) => {
      const handler = handlers[row.payload.kind] as EventHandler<typeof row.payload.kind> | undefined;
      if (!handler) return 'ignored';
      return local.run(row, (meta) => handler(row.payload as never, ctx, meta), { id: row.id, owner: row.leaseOwner!, until: row.leaseUntil ?? 0 });
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
  local = new LocalIntake(ctx, { worker, queue }, options.welcomeLane ?? null);
  return { worker, queue, local };
}
