import Router from '@koa/router';
import { createRouter } from '../http/router';
import { z } from 'zod';
import type { AppContext } from '../context';
import { jsonBody } from '../http/json-body';
import { loginWithCode } from '../auth/rep-sessions';
import { requireActor } from '../auth/gate';
import { repPoolRoutes } from './rep/pool';
import { repFollowUpRoutes } from './rep/follow-ups';
import { repLeadRoutes } from './rep/leads';

/**
 * /api/rep: what a signed-in rep (the mini-program) may do. Every route but /login needs the
 * rep's session token (checked by the auth gate, and again here); handlers read the rep from
 * ctx.state.actor and must scope data to them.
 */
export function repRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/api/rep' });
  router.use(jsonBody({ limit: '64kb' }));
  router.post('/login', async (ctx) => {
    const { code } = z.object({ code: z.string().min(1).max(128) }).parse(ctx.request.body ?? {});
    const session = await loginWithCode(app, code);
    ctx.body = { token: session.token, userId: session.userId, expiresAt: new Date(session.expiresAt).toISOString() };
  });
  router.use(requireActor('rep'));
  router.get('/me', (ctx) => {
    ctx.body = { userId: ctx.state.actor.userId };
  });
  // One router per domain; each scopes what it returns to ctx.state.actor.userId.
  const subRouters: Router[] = [repPoolRoutes(app), repFollowUpRoutes(app), repLeadRoutes(app)];
  for (const sub of subRouters) router.use(sub.routes(), sub.allowedMethods());
  return router;
}
