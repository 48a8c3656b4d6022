import Router from '@koa/router';
import { createRouter } from '../../http/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { InboxEvent } from '../../inbox/inbox-event.entity';
import { Job } from '../../jobs/job.entity';
import { conflict } from '../../http/errors';
import { isoOrNull } from '../../util/time';
import { idParam, limitParam } from '../../http/params';

const STATUSES = ['pending', 'done', 'ignored', 'skipped', 'dead'] as const;
const listQuery = z.object({
  status: z.enum(STATUSES).optional(),
  limit: limitParam(200, 50),
});

/** Operator view of the inbox and job queues: counts and dead letters, for alerting and replay. */
export function inboxAdminRoutes(app: AppContext): Router {
  const router = createRouter();

  router.get('/queues', async (ctx) => {
    const count = async (table: string) => {
      const rows: Array<{ status: string; n: number | string }> = await app.dataSource.query(
        `SELECT status, COUNT(*) AS n FROM ${table} GROUP BY status`,
      );
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    };
    const welcomes: Array<{ status: string; n: number | string }> = await app.dataSource.query(
      `SELECT welcome_status AS status, COUNT(*) AS n FROM inbox_event WHERE welcome_status IS NOT NULL GROUP BY welcome_status`,
    );
    ctx.body = {
      inbox: await count('inbox_event'),
      // Welcomes live on their add's inbox row (inbox/welcome-queue.ts), counted apart.
      welcomes: Object.fromEntries(welcomes.map((r) => [r.status, Number(r.n)])),
      jobs: await count('job'),
    };
  });

  // The welcome of each add, from its inbox row: the welcome lane's queue.
  router.get('/welcomes', async (ctx) => {
    const q = listQuery.parse(ctx.query);
    const rows: Array<Record<string, unknown>> = await app.dataSource.query(
      `SELECT id, welcome_status, welcome_attempts, welcome_last_error, welcome_deadline_at, welcome_finished_at, received_at FROM inbox_event
       WHERE ${q.status ? 'welcome_status = ?' : 'welcome_status IS NOT NULL'} ORDER BY id DESC LIMIT ${q.limit}`,
      q.status ? [q.status] : [],
    );
    const ms = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    ctx.body = {
      items: rows.map((r) => ({
        id: Number(r.id),
        kind: 'welcome',
        status: r.welcome_status,
        attempts: Number(r.welcome_attempts),
        lastError: r.welcome_last_error ?? null,
        createdAt: isoOrNull(ms(r.received_at)),
        deadlineAt: isoOrNull(ms(r.welcome_deadline_at)),
        finishedAt: isoOrNull(ms(r.welcome_finished_at)),
      })),
    };
  });

  // Both queues share their bookkeeping columns, so one listing serves both.
  const listing = (entity: typeof InboxEvent | typeof Job) => async (ctx: Context) => {
    const q = listQuery.parse(ctx.query);
    const rows: Array<InboxEvent | Job> = await app.dataSource.getRepository<InboxEvent | Job>(entity).find({
      where: q.status ? ({ status: q.status } as never) : {},
      order: { id: 'DESC' },
      take: q.limit,
    });
    ctx.body = {
      items: rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        status: r.status,
        attempts: r.attempts,
        lastError: r.lastError,
        createdAt: isoOrNull('receivedAt' in r ? r.receivedAt : r.createdAt),
        finishedAt: isoOrNull(r.finishedAt),
      })),
    };
  };
  router.get('/inbox', listing(InboxEvent));
  router.get('/jobs', listing(Job));

  // After the cause of a dead letter is fixed (a WeCom permission, a bad rule), run it again.
  // Handlers are idempotent, so a replay never repeats an effect that already happened.
  const replay = (table: string) => async (ctx: Context) => {
    const id = idParam.parse(ctx.params.id);
    const runner = app.dataSource.createQueryRunner();
    try {
      const result = await runner.query(
        `UPDATE ${table} SET status = 'pending', attempts = 0, available_at = ?, lease_until = NULL, finished_at = NULL WHERE id = ? AND status = 'dead'`,
        [Date.now(), id],
        true,
      );
      if (!result.affected) throw conflict('only a dead row can be replayed');
    } finally {
      await runner.release();
    }
    app.kick();
    ctx.status = 202;
    ctx.body = { id, status: 'pending' };
  };
  router.post('/inbox/:id/replay', replay('inbox_event'));
  router.post('/jobs/:id/replay', replay('job'));

  return router;
}
