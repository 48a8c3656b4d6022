import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { createRouter } from '../http/router';
import { z } from 'zod';
import type { AppContext } from '../context';
import { jsonBody } from '../http/json-body';
import { loginWithCode, memberOf, refreshSession, revokeSession } from '../auth/member-sessions';
import { requireActor } from '../auth/gate';
import { hashIp, rateLimitSubject } from '../capture/forms/ip-hash';
import { FormRateLimiter } from '../capture/forms/rate-limit';
import { HttpError } from '../http/errors';
import { presentMpMember } from '../members/presenters';
import { mpResourceRouters } from './mp/index';
import { mpLeadRoutes } from './mp/leads';
import { mpFollowUpRoutes } from './mp/follow-ups';
import { mpPoolRoutes } from './mp/pool';

/**
 * Sign-in (and refresh) attempts per client address: 30 a minute, 300 an hour. A whole office
 * behind one NAT signing in at nine fits; a flood of guessed codes does not.
 */
export const LOGIN_LIMITS = { perIpAndForm: { points: 30, windowSeconds: 60 }, perIp: { points: 300, windowSeconds: 3600 } };

/** Requests per session: `perMinute` a minute and 30 times that an hour (mpRateLimitPerMinute, default 120). */
export const sessionLimits = (perMinute: number) => ({ perIpAndForm: { points: perMinute, windowSeconds: 60 }, perIp: { points: perMinute * 30, windowSeconds: 3600 } });

const tooMany = (ctx: Context, retryAfterSeconds: number, message: string): never => {
  ctx.set('Retry-After', String(retryAfterSeconds));
  throw new HttpError(429, 'rate_limited', message);
};

/**
 * /api/mp: the mini-program's surface, for signed-in WeCom members (reps, store staff,
 * managers). Every route but /login and /refresh needs the member's access token (checked by the
 * auth gate, and again here); handlers read the member from ctx.state.actor (a MemberActor) and
 * scope what they do to it. Each session may make mpRateLimitPerMinute requests a minute.
 */
export function mpRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/api/mp' });
  router.use(jsonBody({ limit: '64kb' }));
  // Sign-in is public and each attempt costs a WeCom call (jscode2session), so one client address
  // gets a budget: enough for a member fumbling on a phone, not for a flood that would eat the
  // corp's WeCom quota and slow every member's sign-in. Refreshing shares it.
  const loginLimiter = new FormRateLimiter(app.dataSource, LOGIN_LIMITS, 'rep-login');
  const throttleByAddress = (action: 'login' | 'refresh') => async (ctx: Context, next: Next) => {
    const verdict = await loginLimiter.hit(await hashIp(app.dataSource, rateLimitSubject(ctx.ip || 'unknown')), action);
    if (!verdict.allowed) tooMany(ctx, verdict.retryAfterSeconds, '登录尝试过于频繁，请稍后再试');
    await next();
  };

  router.post('/login', throttleByAddress('login'), async (ctx) => {
    const { code } = z.object({ code: z.string().min(1).max(128) }).parse(ctx.request.body ?? {});
    ctx.body = await loginWithCode(app, code);
  });
  router.post('/refresh', throttleByAddress('refresh'), async (ctx) => {
    const { refreshToken } = z.object({ refreshToken: z.string().min(1).max(128) }).parse(ctx.request.body ?? {});
    ctx.body = await refreshSession(app, refreshToken);
  });

  router.use(requireActor('member'));
  const sessionLimiter = new FormRateLimiter(app.dataSource, sessionLimits(app.config.mpRateLimitPerMinute ?? 120), 'mp-session');
  router.use(async (ctx, next) => {
    const verdict = await sessionLimiter.hit(String(ctx.state.sessionId), 'mp');
    if (!verdict.allowed) tooMany(ctx, verdict.retryAfterSeconds, '操作过于频繁，请稍后再试');
    await next();
  });

  router.post('/logout', async (ctx) => {
    await revokeSession(app, ctx.state.sessionId, 'logout');
    ctx.status = 204;
  });
  router.get('/me', async (ctx) => {
    ctx.body = await presentMpMember(app.dataSource.manager, await memberOf(app, ctx.state.actor));
  });
  // One router per domain; each scopes what it returns to ctx.state.actor.
  const subRouters: Router[] = [mpPoolRoutes(app), mpFollowUpRoutes(app), mpLeadRoutes(app), ...mpResourceRouters(app)];
  for (const sub of subRouters) router.use(sub.routes(), sub.allowedMethods());
  return router;
}
