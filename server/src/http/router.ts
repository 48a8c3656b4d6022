import Router, { type RouterOptions } from '@koa/router';

/**
 * Every router of the service is made here, so every route matches one spelling only:
 * case-sensitive (`sensitive`) and without a tolerated trailing slash (`strict`).
 *
 * Why: @koa/router matches routes case-insensitively by default while middleware added with
 * `router.use()` matches its prefix case-sensitively, so `/API/ADMIN/leads` once reached an
 * admin handler without passing the admin check. Authentication no longer depends on router
 * matching at all (see auth-gate.ts), and one spelling per route keeps it that way.
 */
export function createRouter(options: Omit<RouterOptions, 'sensitive' | 'strict'> = {}): Router {
  return new Router({ ...options, sensitive: true, strict: true });
}
