import Router from '@koa/router';
import { createRouter } from '../../http/router';
import { z } from 'zod';
import type { AppContext } from '../../context';
import type { MemberActor } from '../../members/member-actor';
import { LEAD_STAGES } from '../../leads/lead.entity';
import { getLeadDetail, listLeads } from '../../leads/queries';
import { listPool } from '../../leads/pool/queries';
import { changeStage } from '../../leads/stages/change-stage';
import { findAccessibleLead } from '../../leads/lead-access';
import { presentStageChange } from '../../leads/stages/presenters';
import { changeStageSchema } from '../../leads/stages/schemas';
import { revealPhone, revealSchema } from '../../leads/reveal-phone';
import { replyRevealed } from '../../http/mask-replies';
import { notFound } from '../../http/errors';
import { cursorParam, idParam, limitParam } from '../../http/params';

const listQuery = z.object({
  scope: z.enum(['mine', 'pool', 'team']).default('mine'),
  stage: z.enum(LEAD_STAGES).optional(),
  limit: limitParam(50, 20),
  cursor: cursorParam,
});

const actorOf = (state: { actor: MemberActor }) => state.actor;

/**
 * /api/mp/leads…: the member's own leads (scope=mine) and the pool (scope=pool), a lead's detail,
 * its stage, and the logged phone reveal. Leads owned by someone else (or by no one) answer 404,
 * exactly like ids that do not exist.
 */
export function mpLeadRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/leads' });

  router.get('/', async (ctx) => {
    const { scope, stage, limit, cursor } = listQuery.parse(ctx.query);
    if (scope === 'pool') ctx.body = await listPool(app, { limit, cursor });
    // The team scope (managers) comes with the policies; until then no one may list it.
    else if (scope === 'team') throw notFound('lead list');
    else ctx.body = await listLeads(app, { stage, limit, cursor, ownerUserId: actorOf(ctx.state).userId });
  });

  router.get('/:id', async (ctx) => {
    const id = idParam.parse(ctx.params.id);
    await findAccessibleLead(app.dataSource.manager, actorOf(ctx.state), id);
    ctx.body = await getLeadDetail(app, id);
  });

  router.post('/:id/stage', async (ctx) => {
    const id = idParam.parse(ctx.params.id);
    const { stage, reason } = changeStageSchema.parse(ctx.request.body ?? {});
    ctx.body = presentStageChange(await changeStage(app, actorOf(ctx.state), id, stage, reason));
  });

  router.post('/:id/phone/reveal', async (ctx) => {
    const { purpose } = revealSchema.parse(ctx.request.body ?? {});
    replyRevealed(ctx, await revealPhone(app, actorOf(ctx.state), idParam.parse(ctx.params.id), purpose));
  });

  return router;
}
