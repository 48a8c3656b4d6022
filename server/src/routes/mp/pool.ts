import Router from '@koa/router';
import { createRouter } from '../../http/router';
import { z } from 'zod';
import type { AppContext } from '../../context';
import type { MemberActor } from '../../members/member-actor';
import { returnLead } from '../../leads/assignment/return-lead';
import { claimFromPool } from '../../leads/pool/claim';
import { idParam } from '../../http/params';

const returnBody = z.object({ reason: z.string().trim().min(1).max(200) });

const actorOf = (state: { actor: MemberActor }) => state.actor;

/** The public pool (公海): claiming a lead from it, and giving one's own lead back. The list is GET /leads?scope=pool. */
export function mpPoolRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/leads' });

  router.post('/:id/claim', async (ctx) => {
    ctx.body = await claimFromPool(app, actorOf(ctx.state).userId, idParam.parse(ctx.params.id));
  });

  router.post('/:id/return', async (ctx) => {
    const { reason } = returnBody.parse(ctx.request.body ?? {});
    ctx.body = await returnLead(app, actorOf(ctx.state).userId, idParam.parse(ctx.params.id), reason);
  });

  return router;
}
