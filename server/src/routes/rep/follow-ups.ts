import Router from '@koa/router';
import { createRouter } from '../../http/router';
import { z } from 'zod';
import type { AppContext } from '../../context';
import type { RepActor } from '../../auth/rep-sessions';
import { LEAD_STAGES } from '../../leads/lead.entity';
import { getLeadDetail, listLeads } from '../../leads/queries';
import { logFollowUp } from '../../leads/follow-ups/log-follow-up';
import { presentFollowUp } from '../../leads/follow-ups/presenters';
import { listFollowUps } from '../../leads/follow-ups/queries';
import { followUpListQuery, logFollowUpSchema } from '../../leads/follow-ups/schemas';
import { changeStage } from '../../leads/stages/change-stage';
import { findAccessibleLead } from '../../leads/lead-access';
import { presentStageChange } from '../../leads/stages/presenters';
import { changeStageSchema } from '../../leads/stages/schemas';
import { cursorParam, idParam, limitParam } from '../../http/params';

const listQuery = z.object({
  stage: z.enum(LEAD_STAGES).optional(),
  limit: limitParam(100, 20),
  cursor: cursorParam,
});

/**
 * /api/rep/leads…: a rep's own leads, their follow-ups and stage changes. Leads owned by someone
 * else (or by no one) answer 404, exactly like ids that do not exist.
 */
export function repFollowUpRoutes(app: AppContext): Router {
  const router = createRouter();
  const actorOf = (state: { actor: RepActor }) => state.actor;

  router.get('/leads', async (ctx) => {
    const q = listQuery.parse(ctx.query);
    ctx.body = await listLeads(app, { ...q, ownerUserId: actorOf(ctx.state).userId });
  });

  router.get('/leads/:id', async (ctx) => {
    const id = idParam.parse(ctx.params.id);
    await findAccessibleLead(app.dataSource.manager, actorOf(ctx.state), id);
    ctx.body = await getLeadDetail(app, id);
  });

  router.get('/leads/:id/follow-ups', async (ctx) => {
    ctx.body = await listFollowUps(app, actorOf(ctx.state), idParam.parse(ctx.params.id), followUpListQuery.parse(ctx.query));
  });

  router.post('/leads/:id/follow-ups', async (ctx) => {
    const id = idParam.parse(ctx.params.id);
    const input = logFollowUpSchema.parse(ctx.request.body ?? {});
    const { followUp, stage } = await logFollowUp(app, actorOf(ctx.state), id, input);
    ctx.status = 201;
    ctx.body = { followUp: presentFollowUp(followUp), lead: { id, stage } };
  });

  router.post('/leads/:id/stage', async (ctx) => {
    const id = idParam.parse(ctx.params.id);
    const { stage, reason } = changeStageSchema.parse(ctx.request.body ?? {});
    ctx.body = presentStageChange(await changeStage(app, actorOf(ctx.state), id, stage, reason));
  });

  return router;
}
