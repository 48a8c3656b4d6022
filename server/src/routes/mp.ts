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
import { mpResourceRouters } from './mp/index';
import { mpLeadRoutes } from './mp/leads';
import { mpFollowUpRoutes } from './mp/follow-ups';
import { mpPoolRoutes } from './mp/pool';

/**
 * Sign-in attempts per client address: 30 a minute, 300 an hour. A whole office behind one NAT
 * signing in at nine fits; a flood of guessed codes does not.
 */
export const LOGIN_LIMITS = { perIpAndForm: { points: 30, windowSeconds: 60 }, perIp: { points: 300, windowSeconds: 3600 } };

/**
 * /api/mp: the mini-program's surface, for signed-in WeCom members (reps, store staff,
 * managers). Every route but /login needs the member's session token (checked by the auth gate,
 * and again here); handlers read the member from ctx.state.actor (a MemberActor) and must scope
 * data to them.
 */
export function mpRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/api/mp' });
  router.use(jsonBody({ limit: '64kb' }));
  // Sign-in is public and each attempt costs a WeCom call (jscode2session), so one client address
  // gets a budget: enough for a member fumbling on a phone, not for a flood that would eat the
  // corp's WeCom quota and slow every member's sign-in.
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
  router.use(requireActor('member'));
  router.get('/me', (ctx) => {
    ctx.body = { userId: ctx.state.actor.userId };
  });
  // One router per domain; each scopes what it returns to ctx.state.actor.
  const subRouters: Router[] = [mpPoolRoutes(app), mpFollowUpRoutes(app), mpLeadRoutes(app), ...mpResourceRouters(app)];
  for (const sub of subRouters) router.use(sub.routes(), sub.allowedMethods());
  return router;
}
