import Router from '@koa/router';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { describeQueueError, kindLabel } from '../../console/queue-labels';
import { HttpError } from '../../http/errors';
import { createRouter } from '../../http/router';
import type { MemberActor } from '../../members/member-actor';
import {
  countQueueItems,
  listQueueItems,
  OPERATOR_QUEUES,
  QUEUE_STATUSES,
  queueCounts,
  REPLAYABLE_QUEUES,
  replayDeadLetter,
  type OperatorQueue,
  type QueueItem,
} from '../../queue/operator-queues';
import { requireConsoleAdmin } from './require-admin';

const itemsQuery = z.object({
  queue: z.enum(OPERATOR_QUEUES).default('inbox'),
  status: z.enum(QUEUE_STATUSES).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
const replayParams = z.object({
  queue: z.enum(REPLAYABLE_QUEUES),
  id: z.string().regex(/^[1-9][0-9]{0,14}$/).transform(Number),
});

/** A query the console sent wrong is a 400 in Chinese: the page shows the message as it is. */
function parse<T>(schema: z.ZodType<T>, value: unknown, message: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(400, 'validation_failed', message);
  return result.data;
}

function present(queue: OperatorQueue, row: QueueItem) {
  return {
    ...row,
    queue,
    kindLabel: kindLabel(queue, row.kind),
    error: describeQueueError(row.lastError),
    // A dead welcome's code is spent or expired: a replay could only die again.
    replayable: row.status === 'dead' && queue !== 'welcomes',
  };
}

/**
 * /api/console/operations (admin only): the queues and their dead letters, with replay; the same
 * reads and replay as /api/admin's (queue/operator-queues.ts), the replay audited under the member.
 */
export function consoleOperationsRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/operations' });
  router.use(requireConsoleAdmin);

  router.get('/queues', async (ctx) => {
    ctx.body = await queueCounts(app.dataSource);
  });

  router.get('/items', async (ctx) => {
    const q = parse(itemsQuery, ctx.query, '查询条件不正确：请选择队列和状态，页码从 1 开始，每页最多 100 条');
    const [rows, total] = await Promise.all([
      listQueueItems(app.dataSource, q.queue, { status: q.status, limit: q.pageSize, offset: (q.page - 1) * q.pageSize }),
      countQueueItems(app.dataSource, q.queue, q.status),
    ]);
    ctx.body = { items: rows.map((r) => present(q.queue, r)), total, page: q.page, pageSize: q.pageSize };
  });

  router.post('/:queue/:id/replay', async (ctx) => {
    if (ctx.params.queue === 'welcomes') {
      throw new HttpError(400, 'not_replayable', '欢迎语无法重新发送：欢迎语码只在客户添加后 20 秒内有效。请提醒销售在企业微信里手动问候客户');
    }
    const { queue, id } = parse(replayParams, ctx.params, '没有这条记录：队列或编号不正确');
    const actor = ctx.state.actor as MemberActor;
    if (!(await replayDeadLetter(app, queue, id, actor))) {
      throw new HttpError(409, 'conflict', '这条记录不是死信，无法重新处理（可能已经被重新处理过）');
    }
    ctx.state.log.info({ queue, id, by: actor.userId }, 'dead letter replayed from the console');
    ctx.status = 202;
    ctx.body = { id, queue, status: 'pending' };
  });

  return router;
}
