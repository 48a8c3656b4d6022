import type { DataSource } from 'typeorm';
import type { AppContext } from '../context';
import { recordAudit } from '../audit/record-audit';
import { InboxEvent } from '../inbox/inbox-event.entity';
import { Job } from '../jobs/job.entity';
import type { PolicyActor } from '../policies/actor';
import { isoOrNull } from '../util/time';

/**
 * The operator's view of the three queues (inbox events, the welcome lane on their rows, and
 * jobs): counts, listings and the replay of a dead letter. Shared by /api/admin (routes/admin/inbox.ts)
 * and the console's operations area, so both read and replay the same way.
 */
export const OPERATOR_QUEUES = ['inbox', 'welcomes', 'jobs'] as const;
export type OperatorQueue = (typeof OPERATOR_QUEUES)[number];
/** Welcomes cannot be replayed: the code is spent or expired, so a replay could only die again. */
export const REPLAYABLE_QUEUES = ['inbox', 'jobs'] as const;
export type ReplayableQueue = (typeof REPLAYABLE_QUEUES)[number];

export const QUEUE_STATUSES = ['pending', 'done', 'ignored', 'skipped', 'dead'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];

export interface QueueItem {
  id: number;
  kind: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string | null;
  finishedAt: string | null;
  /** Welcomes only: when the welcome code's 20 s end. */
  deadlineAt?: string | null;
}

export interface QueueCounts {
  inbox: Record<string, number>;
  welcomes: Record<string, number>;
  jobs: Record<string, number>;
}

const TABLE: Record<ReplayableQueue, string> = { inbox: 'inbox_event', jobs: 'job' };

type CountRow = { status: string; n: number | string };
const byStatus = (rows: CountRow[]) => Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));

/** Row counts by status; only statuses that occur are listed. */
export async function queueCounts(ds: DataSource): Promise<QueueCounts> {
  const count = async (table: string) => byStatus(await ds.query(`SELECT status, COUNT(*) AS n FROM ${table} GROUP BY status`));
  const welcomes: CountRow[] = await ds.query(
    `SELECT welcome_status AS status, COUNT(*) AS n FROM inbox_event WHERE welcome_status IS NOT NULL GROUP BY welcome_status`,
  );
  return { inbox: await count('inbox_event'), welcomes: byStatus(welcomes), jobs: await count('job') };
}

export interface QueueListQuery {
  status?: QueueStatus;
  limit: number;
  offset?: number;
}

/** A queue's rows, newest first. */
export async function listQueueItems(ds: DataSource, queue: OperatorQueue, q: QueueListQuery): Promise<QueueItem[]> {
  const offset = q.offset ?? 0;
  if (queue === 'welcomes') {
    // The welcome of each add lives on its inbox row (inbox/welcome-queue.ts).
    const rows: Array<Record<string, unknown>> = await ds.query(
      `SELECT id, welcome_status, welcome_attempts, welcome_last_error, welcome_deadline_at, welcome_finished_at, received_at FROM inbox_event
       WHERE ${q.status ? 'welcome_status = ?' : 'welcome_status IS NOT NULL'} ORDER BY id DESC LIMIT ${Number(q.limit)} OFFSET ${Number(offset)}`,
      q.status ? [q.status] : [],
    );
    const ms = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    return rows.map((r) => ({
      id: Number(r.id),
      kind: 'welcome',
      status: String(r.welcome_status),
      attempts: Number(r.welcome_attempts),
      lastError: (r.welcome_last_error as string | null) ?? null,
      createdAt: isoOrNull(ms(r.received_at)),
      deadlineAt: isoOrNull(ms(r.welcome_deadline_at)),
      finishedAt: isoOrNull(ms(r.welcome_finished_at)),
    }));
  }
  // Both queues share their bookkeeping columns, so one listing serves both.
  const entity = queue === 'inbox' ? InboxEvent : Job;
  const rows: Array<InboxEvent | Job> = await ds.getRepository<InboxEvent | Job>(entity).find({
    where: q.status ? ({ status: q.status } as never) : {},
    order: { id: 'DESC' },
    take: q.limit,
    skip: offset,
  });
  return rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    status: r.status,
    attempts: r.attempts,
    lastError: r.lastError,
    createdAt: isoOrNull('receivedAt' in r ? r.receivedAt : r.createdAt),
    finishedAt: isoOrNull(r.finishedAt),
  }));
}

/** How many rows a listing with this status has in all (for paging). */
export async function countQueueItems(ds: DataSource, queue: OperatorQueue, status?: QueueStatus): Promise<number> {
  if (queue === 'welcomes') {
    const [row] = await ds.query(
      `SELECT COUNT(*) AS n FROM inbox_event WHERE ${status ? 'welcome_status = ?' : 'welcome_status IS NOT NULL'}`,
      status ? [status] : [],
    );
    return Number(row.n);
  }
  const entity = queue === 'inbox' ? InboxEvent : Job;
  return ds.getRepository<InboxEvent | Job>(entity).count({ where: status ? ({ status } as never) : {} });
}

/**
 * Runs a dead row again (status back to pending, attempts reset) once its cause is fixed.
 * Handlers are idempotent, so a replay never repeats an effect that already happened. The replay
 * is audited under who asked for it, in the same transaction: an operator re-running a customer's
 * event acts on that customer. Returns false when the row is not dead (never was, or already
 * replayed): nothing changed then.
 */
export async function replayDeadLetter(app: AppContext, queue: ReplayableQueue, id: number, actor: PolicyActor): Promise<boolean> {
  const table = TABLE[queue];
  const replayed = await app.dataSource.transaction(async (manager) => {
    const result = await manager.queryRunner!.query(
      `UPDATE ${table} SET status = 'pending', attempts = 0, available_at = ?, lease_until = NULL, finished_at = NULL WHERE id = ? AND status = 'dead'`,
      [Date.now(), id],
      true,
    );
    if (!result.affected) return false;
    const [row]: Array<{ kind: string; last_error: string | null }> = await manager.query(`SELECT kind, last_error FROM ${table} WHERE id = ?`, [id]);
    await recordAudit(manager, {
      action: 'queue.replay',
      actor,
      leadId: null,
      leadOwnerUserId: null,
      purpose: `重新处理死信（${queue === 'inbox' ? '回调事件' : '后台任务'} #${id}）`,
      detail: { queue, id, kind: row?.kind ?? null, lastError: row?.last_error ?? null },
    });
    return true;
  });
  if (replayed) app.kick();
  return replayed;
}
