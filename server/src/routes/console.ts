import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import type { AppContext } from '../context';
import { requireActor } from '../auth/gate';
import { hashIp, rateLimitSubject } from '../capture/forms/ip-hash';
import { FormRateLimiter } from '../capture/forms/rate-limit';
import { CONSOLE_ABSOLUTE_MS, endConsoleSession, startConsoleSession, type ConsoleSessionFound } from '../console/console-sessions';
import { CONSOLE_COOKIE, LOGIN_STATE_COOKIE, setConsoleCookie } from '../console/cookie';
import { userIdFromLoginCode, webLoginUrl } from '../console/web-login';
import { HttpError } from '../http/errors';
import { WecomApiError, WecomNetworkError, WecomPacingTimeout } from '../wecom/errors';
import { jsonBody } from '../http/json-body';
import { createRouter } from '../http/router';
import type { MemberActor } from '../members/member-actor';
import { Member } from '../members/member.entity';
import { LOGIN_LIMITS } from './mp';
import { consoleAreaRouters } from './console/index';

const LOGIN_STATE_TTL_MS = 10 * 60_000;
/** Where a signed-in member may be sent back to: a console page, never another site. */
const consolePath = z
  .string()
  .regex(/^\/console(\/[A-Za-z0-9/_\-?=&.%]*)?$/)
  // Judged as the browser will read it: encoded dots and slashes (%2e%2e, %2f, %5c) climb out too.
  .refine((p) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(p);
    } catch {
      return false;
    }
    return !/\/\/|\.\.|\\/.test(decoded) && !/%2e|%2f|%5c/i.test(p);
  })
  .catch('/console/');

/**
 * /api/console: the operator console's API (issue 12), for members with the admin or manager
 * role signed in with WeCom's web login. The session is a cookie the auth gate checks, with the
 * CSRF header on every state-changing request; handlers read the member from ctx.state.actor and
 * go through the same policies as the mini-program (a manager sees their teams).
 */
export function consoleRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/api/console' });
  router.use(jsonBody({ limit: '256kb' }));
  const loginLimiter = new FormRateLimiter(app.dataSource, LOGIN_LIMITS, 'console-login');
  const throttle = async (ctx: Context, next: Next) => {
    const verdict = await loginLimiter.hit(await hashIp(app.dataSource, rateLimitSubject(ctx.ip || 'unknown')), 'login');
    if (!verdict.allowed) {
      ctx.set('Retry-After', String(verdict.retryAfterSeconds));
      throw new HttpError(429, 'rate_limited', '登录尝试过于频繁，请稍后再试');
    }
    await next();
  };

  // Sign-in: off to WeCom's login page with a fresh state, kept in a short-lived cookie.
  router.get('/auth/login', throttle, async (ctx) => {
    const next = consolePath.parse(typeof ctx.query.next === 'string' ? ctx.query.next : '/console/');
    const nonce = randomBytes(24).toString('base64url');
    setConsoleCookie(ctx, LOGIN_STATE_COOKIE, `${nonce}|${next}`, LOGIN_STATE_TTL_MS, '/api/console/auth');
    // The address the browser used (behind a trusted proxy, the one it forwarded): WeCom sends the member back there.
    ctx.redirect(webLoginUrl(app, `${ctx.protocol}://${ctx.host}/api/console/auth/callback`, nonce));
  });

  // WeCom's redirect back: the state must be ours, the code a member with a console role.
  router.get('/auth/callback', throttle, async (ctx) => {
    const saved = ctx.cookies.get(LOGIN_STATE_COOKIE) ?? '';
    setConsoleCookie(ctx, LOGIN_STATE_COOKIE, null, 0, '/api/console/auth');
    const [nonce, next] = saved.split('|');
    const fail = (reason: string) => ctx.redirect(`/console/login?error=${encodeURIComponent(reason)}`);
    const code = typeof ctx.query.code === 'string' ? ctx.query.code : '';
    if (!nonce || ctx.query.state !== nonce || !code || code.length > 128) return fail('state');
    try {
      const userId = await userIdFromLoginCode(app, code);
      const session = await startConsoleSession(app, userId);
      setConsoleCookie(ctx, CONSOLE_COOKIE, session.token, CONSOLE_ABSOLUTE_MS);
      ctx.redirect(consolePath.parse(next));
    } catch (error) {
      if (error instanceof HttpError) return fail(error.code);
      if (!(error instanceof WecomApiError || error instanceof WecomNetworkError || error instanceof WecomPacingTimeout)) throw error;
      // WeCom unreachable or refusing (60020, a wrong secret): a page that says so, not a JSON error.
      app.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'console sign-in: WeCom could not confirm the login code');
      return fail('wecom_unavailable');
    }
  });

  router.use(requireActor('member'));
  // Replies name leads and people: not for a shared cache or the browser's back button after sign-out.
  router.use(async (ctx, next) => {
    await next();
    if (!ctx.response.get('Cache-Control')) ctx.set('Cache-Control', 'no-store');
  });
  router.get('/session', async (ctx) => {
    const actor = ctx.state.actor as MemberActor;
    const member = await app.dataSource.getRepository(Member).findOneBy({ userId: actor.userId });
    const found = ctx.state.consoleSession as ConsoleSessionFound;
    ctx.body = {
      member: { userId: actor.userId, name: member?.name ?? actor.userId, roles: actor.roles, managedTeamIds: actor.managedTeamIds },
      csrfToken: found.csrfToken,
      demoMode: app.config.demoMode,
    };
  });
  router.post('/auth/logout', async (ctx) => {
    await endConsoleSession(app, (ctx.state.consoleSession as ConsoleSessionFound).sessionId);
    setConsoleCookie(ctx, CONSOLE_COOKIE, null, 0);
    ctx.status = 204;
  });
  // One router per area of the console; each scopes what it returns to ctx.state.actor.
  for (const sub of consoleAreaRouters(app)) router.use(sub.routes(), sub.allowedMethods());
  return router;
}
