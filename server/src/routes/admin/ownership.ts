import Router from '@koa/router';
import { createRouter } from '../../http/router';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { assignmentSettingsSchema, loadAssignmentSettings, saveAssignmentSettings } from '../../leads/assignment/assignment-settings';
import { reassignLead } from '../../leads/assignment/reassign-lead';
import { loadPoolSettings, poolSettingsSchema, savePoolSettings } from '../../leads/pool/pool-settings';
import { idParam } from '../../http/params';
import { ADMIN_ACTOR } from '../../policies/actor';

const reassignBody = z.object({ toUserId: z.string().trim().min(1).max(64), reason: z.string().trim().min(1).max(200) });

/** Who owns leads: manager reassignment, the pool's deadlines and caps, the default team. */
export function ownershipAdminRoutes(app: AppContext): Router {
  const router = createRouter();

  router.post('/leads/:id/reassign', async (ctx) => {
    ctx.body = await reassignLead(app, ADMIN_ACTOR, idParam.parse(ctx.params.id), reassignBody.parse(ctx.request.body ?? {}));
  });

  router.get('/pool/settings', async (ctx) => {
    ctx.body = await loadPoolSettings(app.dataSource.manager);
  });
  router.put('/pool/settings', async (ctx) => {
    ctx.body = await savePoolSettings(app.dataSource.manager, poolSettingsSchema.partial().parse(ctx.request.body ?? {}), ADMIN_ACTOR);
  });

  router.get('/assignment/settings', async (ctx) => {
    ctx.body = await loadAssignmentSettings(app.dataSource.manager);
  });
  router.put('/assignment/settings', async (ctx) => {
    ctx.body = await saveAssignmentSettings(app.dataSource.manager, assignmentSettingsSchema.partial().parse(ctx.request.body ?? {}), ADMIN_ACTOR);
  });

  return router;
}
