import type Router from '@koa/router';
import type { AppContext } from '../../context';
import { mpAuditRoutes } from './audit';
import { mpCatalogRoutes } from './catalog';
import { mpChatRoutes } from './chats';
import { mpContactRoutes } from './contacts';
import { mpEntryRoutes } from './entries';
import { mpNurtureRoutes } from './nurture';
import { mpStatsRoutes } from './stats';

/**
 * The mini-program's resource routers (leads, pool, follow-ups, entries, stats, nurture, …), mounted
 * under /api/mp behind the member session check by routes/mp.ts. One router per domain.
 */
export function mpResourceRouters(app: AppContext): Router[] {
  return [mpCatalogRoutes(app), mpContactRoutes(app), mpStatsRoutes(app), mpAuditRoutes(app), mpEntryRoutes(app), mpNurtureRoutes(app), mpChatRoutes(app)];
}
