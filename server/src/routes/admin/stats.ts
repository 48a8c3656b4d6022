import Router from '@koa/router';
import { createRouter } from '../../http/router';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { channelConversionStats } from '../../stats/channels';
import { funnelStats } from '../../stats/funnel';
import { rangeQuery } from '../../stats/range';
import { repStats } from '../../stats/reps';
import { stageDurationStats } from '../../stats/stage-durations';
import { idParam } from '../../http/params';

const funnelFilter = z.object({
  channelId: idParam.optional(),
  ownerUserId: z.string().min(1).max(64).optional(),
});

/** /api/admin/stats: funnel, channel conversion, rep performance and stage durations over a date range. */
export function statsAdminRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/stats' });
  router.get('/funnel', async (ctx) => {
    const range = rangeQuery.parse(ctx.query);
    ctx.body = await funnelStats(app, range, funnelFilter.parse(ctx.query));
  });
  router.get('/channels', async (ctx) => {
    ctx.body = await channelConversionStats(app, rangeQuery.parse(ctx.query));
  });
  router.get('/reps', async (ctx) => {
    ctx.body = await repStats(app, rangeQuery.parse(ctx.query));
  });
  router.get('/stage-durations', async (ctx) => {
    const range = rangeQuery.parse(ctx.query);
    ctx.body = await stageDurationStats(app, range, funnelFilter.parse(ctx.query));
  });
  return router;
}
