import Koa from 'koa';
import type Router from '@koa/router';
import type { AppContext } from './context';
import { errorHandler, requestContext } from './http/middleware';
import { authGate } from './auth/gate';
import { maskReplies } from './http/mask-replies';
import { oneSpellingOnly } from './http/router';
import { healthRoutes } from './routes/health';
import { wecomCallbackRoutes } from './routes/wecom-callback';
import { adminRoutes } from './routes/admin';
import { mpRoutes } from './routes/mp';
import { consoleRoutes } from './routes/console';
import { serveConsole } from './console/serve-console';
import { publicFormRoutes } from './routes/public-forms';

/**
 * The Koa app, without listening: main.ts serves it, tests serve it on an ephemeral port.
 * `healthOnly` (ROLE=worker): just /healthz and /readyz, for the orchestrator's probes.
 */
export function createApp(ctx: AppContext, options: { healthOnly?: boolean } = {}): Koa {
  const app = new Koa();
  // Client addresses (web-form rate limits) come from X-Forwarded-For only when told to trust it.
  app.proxy = ctx.config.trustProxy;
  // Behind one proxy that appends to X-Forwarded-For, the client is the last address it added;
  // taking the leftmost would let a client pick its own address (and rate-limit budget).
  app.maxIpsCount = 1;
  // Errors Koa handles itself (a malformed chunked body, a client gone mid-reply) go to the
  // structured log, not to stderr.
  app.on('error', (error: Error & { code?: string; status?: number }) => {
    if (error.status && error.status < 500) return ctx.logger.debug({ err: error.message, code: error.code }, 'client error');
    ctx.logger.warn({ err: error.message, code: error.code }, 'request failed outside the handlers');
  });
  app.use(requestContext(ctx.logger));
  // Outside the error handler, so error replies are masked too.
  app.use(maskReplies());
  app.use(errorHandler());
  // Before any router: credentials are demanded by what a path could mean, not by how it matched.
  app.use(authGate(ctx));
  // The operator console's pages (the single-page app, /console/…, trailing slash and all); its
  // API is /api/console, served by the routers below like every other.
  if (!options.healthOnly) app.use(serveConsole());
  app.use(oneSpellingOnly());
  for (const router of createRouters(ctx, options)) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}

/** Every router the app serves, in order: also what the route-table tests walk. */
export function createRouters(ctx: AppContext, options: { healthOnly?: boolean } = {}): Router[] {
  if (options.healthOnly) return [healthRoutes(ctx)];
  return [healthRoutes(ctx), wecomCallbackRoutes(ctx), adminRoutes(ctx), mpRoutes(ctx), consoleRoutes(ctx), publicFormRoutes(ctx)];
}
