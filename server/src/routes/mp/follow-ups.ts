import Router from '@koa/router';
import { createRouter } from '../../http/router';
import type { AppContext } from '../../context';
import type { MemberActor } from '../../members/member-actor';
import { logFollowUp } from '../../leads/follow-ups/log-follow-up';
import { presentFollowUp } from '../../leads/follow-ups/presenters';
import { listFollowUps } from '../../leads/follow-ups/queries';
import { followUpListQuery, logFollowUpSchema } from '../../leads/follow-ups/schemas';
import { idParam } from '../../http/params';

const actorOf = (state: { actor: MemberActor }) => state.actor;

/**
 * /api/mp/leads/:id/follow-ups: the follow-ups of a lead the member may see, and logging a new one
 * (its owner); the lead policy decides both.
 */
export function mpFollowUpRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/leads' });

  router.get('/:id/follow-ups', async (ctx) => {
    ctx.body = await listFollowUps(app, actorOf(ctx.state), idParam.parse(ctx.params.id), followUpListQuery.parse(ctx.query));
  });

  router.post('/:id/follow-ups', async (ctx) => {
    const id = idParam.parse(ctx.params.id);
    const input = logFollowUpSchema.parse(ctx.request.body ?? {});
    const { followUp, stage } = await logFollowUp(app, actorOf(ctx.state), id, input);
    ctx.status = 201;
    ctx.body = { followUp: presentFollowUp(followUp), lead: { id, stage } };
  });

  return router;
}
