import type Router from '@koa/router';
import type { AppContext } from '../../context';
import { consoleDashboardRoutes } from './dashboard';
import { consoleLeadRoutes } from './leads';
import { consoleChatRoutes } from './chats';
import { consoleAuditRoutes } from './audit';
import { consoleOperationsRoutes } from './operations';
import { consoleSetupCheckRoutes } from './setup-check';
import { consoleNurtureRoutes } from './nurture';
import { consoleChannelRoutes } from './channels';
import { consoleSettingsRoutes } from './settings';

/**
 * The console's area routers, mounted under /api/console behind the session check by
 * routes/console.ts. One router per area (dashboard, channels, leads, rules, operations, setup
 * check, nurture); each decides with the policies what the member may see and do.
 */
export function consoleAreaRouters(app: AppContext): Router[] {
  return [consoleDashboardRoutes(app), consoleLeadRoutes(app), consoleChatRoutes(app), consoleAuditRoutes(app), consoleChannelRoutes(app), consoleNurtureRoutes(app), consoleSettingsRoutes(app), consoleOperationsRoutes(app), consoleSetupCheckRoutes(app)];
}
