import Router from '@koa/router';
import { createRouter } from '../../http/router';
import type { AppContext } from '../../context';
import type { MemberActor } from '../../members/member-actor';
import { statsScopeOf } from '../../policies/stats';
import { rangeQuery } from '../../stats/range';
import { teamStats } from '../../stats/team-stats';

/** /api/mp/stats?from&to: a manager's stats page over their teams (stats/team-stats.ts); others 404. */
export function mpStatsRoutes(app: AppContext): Router {
  const router = createRouter();
  router.get('/stats', async (ctx) => {
    const range = rangeQuery.parse(ctx.query);
    const scope = await statsScopeOf(app.dataSource.manager, ctx.state.actor as MemberActor);
    ctx.body = await teamStats(app, scope, range);
  });
  return router;
}
