import Router from '@koa/router';
import { createRouter } from '../../http/router';
import type { AppContext } from '../../context';
import type { MemberActor } from '../../members/member-actor';
import { auditListQuery, listAudit } from '../../audit/queries';
import { auditScopeOf } from '../../policies/audit';

/** /api/mp/audit: reveals and exports of a manager's teams, newest first (policies/audit.ts); others 404. */
export function mpAuditRoutes(app: AppContext): Router {
  const router = createRouter();
  router.get('/audit', async (ctx) => {
    const query = auditListQuery.parse(ctx.query);
    const scope = await auditScopeOf(app.dataSource.manager, ctx.state.actor as MemberActor);
    ctx.body = await listAudit(app, scope, query);
  });
  return router;
}
