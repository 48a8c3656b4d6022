import Koa from 'koa';
import type { AppContext } from './context';
import { errorHandler, requestContext } from './http/middleware';
import { healthRoutes } from './routes/health';
import { wecomCallbackRoutes } from './routes/wecom-callback';
import { adminRoutes } from './routes/admin';
import { repRoutes } from './routes/rep';
import { publicFormRoutes } from './routes/public-forms';

/**
 * The Koa app, without listening: main.ts serves it, tests serve it on an ephemeral port.
 * `healthOnly` (ROLE=worker): just /healthz and /readyz, for the orchestrator's probes.
 */
export function createApp(ctx: AppContext, options: { healthOnly?: boolean } = {}): Koa {
  const app = new Koa();
  // Client addresses (web-form rate limits) come from X-Forwarded-For only when told to trust it.
  app.proxy = ctx.config.trustProxy;
  app.use(requestContext(ctx.logger));
  app.use(errorHandler());
  const routers = options.healthOnly
    ? [healthRoutes(ctx)]
    : [healthRoutes(ctx), wecomCallbackRoutes(ctx), adminRoutes(ctx), repRoutes(ctx), publicFormRoutes(ctx)];
  for (const router of routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
