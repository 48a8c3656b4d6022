import Router from '@koa/router';
import { createRouter } from '../../http/router';
import type { AppContext } from '../../context';
import { auditListQuery, listAudit } from '../../audit/queries';
import { ADMIN_ACTOR } from '../../policies/actor';
import { auditScopeOf } from '../../policies/audit';

/** /api/admin/audit: every reveal and export, newest first, with filters (the admin sees all rows). */
export function auditAdminRoutes(app: AppContext): Router {
  const router = createRouter();
  router.get('/audit', async (ctx) => {
    const query = auditListQuery.parse(ctx.query);
    ctx.body = await listAudit(app, await auditScopeOf(app.dataSource.manager, ADMIN_ACTOR), query);
  });
  return router;
}
