import Router from '@koa/router';
import { createRouter } from '../http/router';
import type { AppContext } from '../context';
import { jsonBody } from '../http/json-body';
import { requireActor } from '../auth/gate';
import { inboxAdminRoutes } from './admin/inbox';
import { channelAdminRoutes } from './admin/channels';
import { leadAdminRoutes } from './admin/leads';
import { teamAdminRoutes } from './admin/teams';
import { ownershipAdminRoutes } from './admin/ownership';
import { scoringAdminRoutes } from './admin/scoring';
import { leadMergeAdminRoutes } from './admin/lead-merges';
import { followUpAdminRoutes } from './admin/follow-ups';
import { statsAdminRoutes } from './admin/stats';
import { demoAdminRoutes } from './admin/demo';
import { auditAdminRoutes } from './admin/audit';
import { memberAdminRoutes } from './admin/members';
import { nurtureBudgetAdminRoutes } from './admin/nurture-budget';
import { nurtureSequenceAdminRoutes } from './admin/nurture-sequences';
import { nurtureEnrollmentAdminRoutes } from './admin/nurture-enrollments';

/** Everything under /api/admin: bearer ADMIN_TOKEN (checked by the auth gate, and again here), JSON bodies up to 256 KB. */
export function adminRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/api/admin' });
  router.use(requireActor('admin'));
  router.use(jsonBody({ limit: '256kb' }));
  for (const sub of [inboxAdminRoutes(app), channelAdminRoutes(app), leadMergeAdminRoutes(app), leadAdminRoutes(app), teamAdminRoutes(app), ownershipAdminRoutes(app), scoringAdminRoutes(app), followUpAdminRoutes(app), statsAdminRoutes(app), auditAdminRoutes(app), memberAdminRoutes(app), nurtureSequenceAdminRoutes(app), nurtureBudgetAdminRoutes(app), nurtureEnrollmentAdminRoutes(app), demoAdminRoutes(app, app.demoSimulator)]) {
    router.use(sub.routes(), sub.allowedMethods());
  }
  return router;
}
