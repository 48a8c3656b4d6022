import type Router from '@koa/router';
import type { AppContext } from '../../context';

/**
 * The mini-program's resource routers (leads, pool, follow-ups, entries, stats, …), mounted
 * under /api/mp behind the member session check by routes/mp.ts. One router per domain.
 */
export function mpResourceRouters(_app: AppContext): Router[] {
  return [];
}
