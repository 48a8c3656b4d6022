import type { DataSource } from 'typeorm';
import { Job } from '../jobs/job.entity';
import { PRIORITY } from '../jobs/enqueue';
import { LeasedQueue, QueueColumns } from '../queue/leased-queue';

/**
 * The welcome message of an add lives on its inbox row (welcome_* columns), not in a job row of
 * its own: callback intake is then one INSERT, with no transaction around two. The welcome lane
 * works these columns as a queue of their own, independent of the row's inbox status: the
 * welcome (20 s deadline) never waits for the add's capture, and the capture never waits for it.
 *
 * welcome_status is NULL on rows without a welcome, 'pending' while it is open, then 'done',
 * 'skipped' (nothing to send, or another app welcomed them) or 'dead' (expired or failed).
 */
export const WELCOME_COLUMNS: QueueColumns = {
  status: 'welcome_status',
  attempts: 'welcome_attempts',
  availableAt: 'welcome_available_at',
  leaseOwner: 'welcome_lease_owner',
  leaseUntil: 'welcome_lease_until',
  lastError: 'welcome_last_error',
  finishedAt: 'welcome_finished_at',
};

/** What the welcome lane loads with a claim: not the raw XML, not the inbox's own bookkeeping. */
export const WELCOME_SELECT = [
  'id',
  'payload',
  'received_at',
  'welcome_code',
  'welcome_status',
  'welcome_attempts',
  'welcome_available_at',
  'welcome_deadline_at',
  'welcome_lease_owner',
  'welcome_last_error',
  'welcome_finished_at',
  'welcome_may_have_sent_at',
];

export function createWelcomeQueue(dataSource: DataSource, workerId: string, clock?: () => number): LeasedQueue {
  return new LeasedQueue(dataSource, { table: 'inbox_event', columns: WELCOME_COLUMNS, select: WELCOME_SELECT, clock }, workerId);
}

const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/**
 * The welcome of an inbox row in the shape of a job, which is what the welcome handler and the
 * dead-letter note take: `id` is the inbox row's id, `payload` what the welcome job carried
 * (code, rep, customer, channel state, when the add came in, and the "may have sent" mark).
 */
export function welcomeFromRow(raw: Record<string, unknown>): Job {
  const event = (typeof raw.payload === 'string' ? JSON.parse(raw.payload) : raw.payload) as {
    userId: string;
    externalUserId: string;
    state?: string;
    welcomeCode?: string;
  };
  const code = String(raw.welcome_code ?? event.welcomeCode ?? '');
  const receivedAt = Number(raw.received_at);
  return Object.assign(new Job(), {
    id: Number(raw.id),
    kind: 'welcome',
    dedupKey: `welcome:${code}`.slice(0, 191),
    payload: {
      welcomeCode: code,
      userId: event.userId,
      externalUserId: event.externalUserId,
      state: event.state ?? null,
      receivedAt,
      mayHaveSentAt: num(raw.welcome_may_have_sent_at),
    },
    priority: PRIORITY.welcome,
    status: raw.welcome_status as Job['status'],
    attempts: Number(raw.welcome_attempts ?? 0),
    availableAt: num(raw.welcome_available_at) ?? receivedAt,
    deadlineAt: num(raw.welcome_deadline_at),
    leaseOwner: (raw.welcome_lease_owner as string | null) ?? null,
    leaseUntil: null,
    lastError: (raw.welcome_last_error as string | null) ?? null,
    createdAt: receivedAt,
    finishedAt: num(raw.welcome_finished_at),
  });
}
