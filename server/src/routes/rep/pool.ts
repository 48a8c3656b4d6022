import Router from '@koa/router';
import { createRouter } from '../../http/router';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { returnLead } from '../../leads/assignment/return-lead';
import { claimFromPool } from '../../leads/pool/claim';
import { listPool } from '../../leads/pool/queries';
import { cursorParam, idParam, limitParam } from '../../http/params';

const listQuery = z.object({
  limit: limitParam(100, 20),
  cursor: cursorParam,
});
const returnBody = z.object({ reason: z.string().trim().min(1).max(200) });

/** The public pool (公海) for reps: browse, claim; and giving one's own lead back. */
export function repPoolRoutes(app: AppContext): Router {
  const router = createRouter();

  router.get('/pool', async (ctx) => {
    ctx.body = await listPool(app, listQuery.parse(ctx.query));
  });
  router.post('/pool/:id/claim', async (ctx) => {
    ctx.body = await claimFromPool(app, ctx.state.actor.userId, idParam.parse(ctx.params.id));
  });
  router.post('/leads/:id/return', async (ctx) => {
    const { reason } = returnBody.parse(ctx.request.body ?? {});
    ctx.body = await returnLead(app, ctx.state.actor.userId, idParam.parse(ctx.params.id), reason);
  });

  return router;
}
