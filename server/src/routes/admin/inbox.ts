import Router from '@koa/router';
import { createRouter } from '../../http/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { conflict } from '../../http/errors';
import { idParam, limitParam } from '../../http/params';
import { ADMIN_ACTOR } from '../../policies/actor';
import { listQueueItems, QUEUE_STATUSES, queueCounts, replayDeadLetter, type OperatorQueue, type ReplayableQueue } from '../../queue/operator-queues';

const listQuery = z.object({
  status: z.enum(QUEUE_STATUSES).optional(),
  limit: limitParam(200, 50),
});

/** Operator view of the inbox and job queues: counts and dead letters, for alerting and replay (queue/operator-queues.ts). */
export function inboxAdminRoutes(app: AppContext): Router {
  const router = createRouter();

  router.get('/queues', async (ctx) => {
    ctx.body = await queueCounts(app.dataSource);
  });

  const listing = (queue: OperatorQueue) => async (ctx: Context) => {
    const q = listQuery.parse(ctx.query);
    ctx.body = { items: await listQueueItems(app.dataSource, queue, q) };
  };
  // The welcome of each add, from its inbox row: the welcome lane's queue.
  router.get('/welcomes', listing('welcomes'));
  router.get('/inbox', listing('inbox'));
  router.get('/jobs', listing('jobs'));

  // After the cause of a dead letter is fixed (a WeCom permission, a bad rule), run it again.
  const replay = (queue: ReplayableQueue) => async (ctx: Context) => {
    const id = idParam.parse(ctx.params.id);
    if (!(await replayDeadLetter(app, queue, id, ADMIN_ACTOR))) throw conflict('only a dead row can be replayed');
    ctx.status = 202;
    ctx.body = { id, status: 'pending' };
  };
  router.post('/inbox/:id/replay', replay('inbox'));
  router.post('/jobs/:id/replay', replay('jobs'));

  return router;
}
