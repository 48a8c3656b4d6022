import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { AppContext } from '../context';
import { HttpError } from '../http/errors';
import type { MemberActor } from '../members/member-actor';
import { findSessionActor } from './member-sessions';
import { surfaceOf } from './surfaces';
import { csrfMatches, findConsoleSession } from '../console/console-sessions';
import { CONSOLE_COOKIE } from '../console/cookie';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Who is calling, once the gate has let a request through. */
export type Actor = { kind: 'admin' } | MemberActor;

const REALMS: Record<Actor['kind'], string> = { admin: 'xiansuo-admin', member: 'xiansuo-mp' };

function sameSecret(a: string, b: string): boolean {
  // Hash first so the comparison is constant-time whatever the lengths.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function bearerToken(ctx: Context): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'));
  return match ? match[1] : null;
}

function unauthorized(ctx: Context, realm: string, message: string): never {
  ctx.set('WWW-Authenticate', `Bearer realm="${realm}"`);
  throw new HttpError(401, 'unauthorized', message);
}

/**
 * Runs before any router: every request whose path could, under any spelling, reach the admin
 * or mini-program surface must carry that surface's credential. Sets ctx.state.actor on success.
 */
export function authGate(app: AppContext) {
  return async (ctx: Context, next: Next) => {
    const surface = surfaceOf(ctx.path);
    if (surface === 'admin') {
      const token = bearerToken(ctx);
      if (!app.config.adminToken || !token || !sameSecret(token, app.config.adminToken)) {
        unauthorized(ctx, REALMS.admin, 'a valid admin bearer token is required');
      }
      ctx.state.actor = { kind: 'admin' } satisfies Actor;
    } else if (surface === 'console') {
      // The operator console: a session cookie, and on every state-changing request the session's
      // CSRF token echoed in a header (a cookie alone is what a forged cross-site request carries).
      const found = await findConsoleSession(app, ctx.cookies.get(CONSOLE_COOKIE));
      if (!found) throw new HttpError(401, 'unauthorized', '请先登录管理后台');
      if (!SAFE_METHODS.has(ctx.method) && !csrfMatches(ctx.get('x-csrf-token') || undefined, found.csrfToken)) {
        throw new HttpError(403, 'csrf_failed', '页面已过期，请刷新页面后重试');
      }
      ctx.state.actor = found.actor satisfies Actor;
      ctx.state.consoleSession = found;
    } else if (surface === 'mp') {
      const token = bearerToken(ctx);
      const found = token ? await findSessionActor(app, token) : null;
      // Expired, revoked, or the member was disabled, left or lost every role: sign in again.
      if (!found) unauthorized(ctx, REALMS.member, '登录已失效，请重新登录');
      ctx.state.actor = found.actor satisfies Actor;
      ctx.state.sessionId = found.sessionId;
    }
    await next();
  };
}

/**
 * The same requirement bound to the routers themselves, as a second lock: a router mounted
 * somewhere the gate does not cover still refuses a caller the gate did not admit.
 */
export function requireActor(kind: Actor['kind']) {
  return async (ctx: Context, next: Next) => {
    if ((ctx.state.actor as Actor | undefined)?.kind !== kind) {
      unauthorized(ctx, REALMS[kind], kind === 'member' ? '请先登录' : 'credentials for this surface are required');
    }
    await next();
  };
}
