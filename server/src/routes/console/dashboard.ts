import Router from '@koa/router';
import type { AppContext } from '../../context';
import { dashboard } from '../../console/dashboard';
import { createRouter } from '../../http/router';
import type { MemberActor } from '../../members/member-actor';
import { statsScopeOf } from '../../policies/stats';
import { rangeQuery } from '../../stats/range';

/** GET /api/console/dashboard?from&to: the dashboard over the leads the member may see (policies/stats.ts). */
export function consoleDashboardRoutes(app: AppContext): Router {
  const router = createRouter();
  router.get('/dashboard', async (ctx) => {
    const range = rangeQuery.parse(ctx.query);
    const scope = await statsScopeOf(app.dataSource.manager, ctx.state.actor as MemberActor);
    ctx.body = await dashboard(app, scope, range, (app.clock ?? Date.now)());
  });
  return router;
}
