import Router from '@koa/router';
import { createRouter } from '../../http/router';
import { z } from 'zod';
import type { AppContext } from '../../context';
import type { MemberActor } from '../../members/member-actor';
import { returnLead } from '../../leads/assignment/return-lead';
import { leadCard } from '../../leads/cards';
import { claimFromPool } from '../../leads/pool/claim';
import { idParam } from '../../http/params';

const returnBody = z.object({ reason: z.string().trim().min(1, '请填写退回原因').max(200, '退回原因最多 200 个字') });

const actorOf = (state: { actor: MemberActor }) => state.actor;

/**
 * The public pool (公海): claiming a lead from it, and giving one's own lead back; both answer
 * the lead's card as it is afterwards. The pool list is GET /leads?scope=pool. Who may claim or
 * return which lead is the lead policy's answer.
 */
export function mpPoolRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/leads' });

  router.post('/:id/claim', async (ctx) => {
    const lead = await claimFromPool(app, actorOf(ctx.state), idParam.parse(ctx.params.id));
    ctx.body = { lead: await leadCard(app, lead) };
  });

  router.post('/:id/return', async (ctx) => {
    const id = idParam.parse(ctx.params.id);
    const { reason } = returnBody.parse(ctx.request.body ?? {});
    ctx.body = { lead: await leadCard(app, await returnLead(app, actorOf(ctx.state), id, reason)) };
  });

  return router;
}
