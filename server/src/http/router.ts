import Router, { type RouterOptions } from '@koa/router';
import type { Context, Next } from 'koa';
import { HttpError } from './errors';

/**
 * Every router of the service is made here, so every route matches one spelling only: case-
 * sensitive, and (with `oneSpellingOnly` in front of the routers) no trailing slash.
 *
 * Why: @koa/router matches routes case-insensitively by default while middleware added with
 * `router.use()` matches its prefix case-sensitively, so `/API/ADMIN/leads` once reached an
 * admin handler without passing the admin check. Authentication no longer depends on router
 * matching at all (see auth/gate.ts), and one spelling per route keeps it that way.
 *
 * Not `strict: true`: with it, a sub-router's `get('/')` under the prefix `/leads` only matches
 * `/leads/`, and @koa/router 15 crashes on an empty path; a trailing slash is refused up front.
 */
export function createRouter(options: Omit<RouterOptions, 'sensitive'> = {}): Router {
  return new Router({ ...options, sensitive: true });
}

/** `/api/admin/leads/` is not `/api/admin/leads`: a path with a trailing slash is served by no route. */
export function oneSpellingOnly() {
  return async (ctx: Context, next: Next) => {
    if (ctx.path.length > 1 && ctx.path.endsWith('/')) throw new HttpError(404, 'not_found', 'no such route');
    await next();
  };
}
