import Router from '@koa/router';
import { createRouter } from '../../http/router';
import type { AppContext } from '../../context';
import { listFollowUps } from '../../leads/follow-ups/queries';
import { followUpListQuery } from '../../leads/follow-ups/schemas';
import { changeStage } from '../../leads/stages/change-stage';
import { presentStageChange } from '../../leads/stages/presenters';
import { changeStageSchema } from '../../leads/stages/schemas';
import { idParam } from '../../http/params';

const ADMIN = { kind: 'admin' } as const;

/** /api/admin/leads/:id/follow-ups and /stage: a manager reads any lead's follow-ups and moves any lead's stage. */
export function followUpAdminRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/leads' });
  router.get('/:id/follow-ups', async (ctx) => {
    ctx.body = await listFollowUps(app, ADMIN, idParam.parse(ctx.params.id), followUpListQuery.parse(ctx.query));
  });
  router.post('/:id/stage', async (ctx) => {
    const id = idParam.parse(ctx.params.id);
    const { stage, reason } = changeStageSchema.parse(ctx.request.body ?? {});
    ctx.body = presentStageChange(await changeStage(app, ADMIN, id, stage, reason));
  });
  return router;
}
