import Router from '@koa/router';
import { createRouter } from '../http/router';
import type { AppContext } from '../context';

/** /healthz: the process answers. /readyz: the database answers, and how far behind the inbox is. */
export function healthRoutes(app: AppContext): Router {
  const router = createRouter();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  });
  router.get('/readyz', async (ctx) => {
    try {
      const [row] = await app.dataSource.query(
        `SELECT COUNT(*) AS pending, MIN(received_at) AS oldest FROM inbox_event WHERE status = 'pending'`,
      );
      const pending = Number(row.pending);
      const oldest = row.oldest === null ? null : Number(row.oldest);
      ctx.body = {
        status: 'ready',
        database: 'ok',
        inbox: { pending, lagSeconds: oldest === null ? 0 : Math.max(0, Math.round((Date.now() - oldest) / 1000)) },
      };
    } catch (error) {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', database: 'unreachable' };
    }
  });
  return router;
}
