import Router from '@koa/router';
import { createRouter } from '../../http/router';
import type { AppContext } from '../../context';
import { LEAD_STAGES } from '../../leads/lead.entity';
import { STAGE_LABELS } from '../../leads/stages/transitions';
import { corpTagsToPick } from '../../tags/corp-tag-list';

/** /api/mp/stages and /api/mp/tags: what a member picks from (every signed-in member may read them). */
export function mpCatalogRoutes(app: AppContext): Router {
  const router = createRouter();
  router.get('/stages', (ctx) => {
    ctx.body = LEAD_STAGES.map((stage) => ({ stage, label: STAGE_LABELS[stage] }));
  });
  router.get('/tags', async (ctx) => {
    ctx.body = await corpTagsToPick(app);
  });
  return router;
}
