import Router from '@koa/router';
import { createRouter } from '../http/router';
import { z } from 'zod';
import type { AppContext } from '../context';
import { jsonBody } from '../http/json-body';
import { loginWithCode } from '../auth/rep-sessions';
import { requireActor } from '../auth/gate';
import { hashIp, rateLimitSubject } from '../capture/forms/ip-hash';
import { FormRateLimiter } from '../capture/forms/rate-limit';
import { HttpError } from '../http/errors';

/**
 * Sign-in attempts per client address: 30 a minute, 300 an hour. A whole office behind one NAT
 * signing in at nine (sessions last a week) fits; a flood of guessed codes does not.
 */
export const LOGIN_LIMITS = { perIpAndForm: { points: 30, windowSeconds: 60 }, perIp: { points: 300, windowSeconds: 3600 } };
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
  // Sign-in is public and each attempt costs a WeCom call (jscode2session), so one client address
  // gets a budget: enough for a rep fumbling on a phone, not for a flood that would eat the
  // corp's WeCom quota and slow every rep's sign-in.
  const loginLimiter = new FormRateLimiter(app.dataSource, LOGIN_LIMITS, 'rep-login');
  router.post('/login', async (ctx) => {
    const verdict = await loginLimiter.hit(await hashIp(app.dataSource, rateLimitSubject(ctx.ip || 'unknown')), 'login');
    if (!verdict.allowed) {
      ctx.set('Retry-After', String(verdict.retryAfterSeconds));
      throw new HttpError(429, 'rate_limited', '登录尝试过于频繁，请稍后再试');
    }
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
