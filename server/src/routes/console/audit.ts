import Router from '@koa/router';
import type { AppContext } from '../../context';
import { AUDIT_ACTIONS } from '../../audit/audit-log.entity';
import { auditListQuery, listAudit } from '../../audit/queries';
import { AUDIT_ACTION_LABELS, presentConsoleAuditRows } from '../../console/audit-view';
import { parseConsoleInput } from '../../console/leads/validate';
import { createRouter } from '../../http/router';
import type { MemberActor } from '../../members/member-actor';
import { memberNames } from '../../members/names';
import { auditScopeOf } from '../../policies/audit';

/**
 * GET /api/console/audit: the audit log (reveals, exports, reassignments, merges, rule and
 * setting changes), newest first, with the admin and mini-program API's filters. An admin reads
 * every row, a manager their teams' (policies/audit.ts); rows name people by name.
 */
export function consoleAuditRoutes(app: AppContext): Router {
  const router = createRouter();
  router.get('/audit', async (ctx) => {
    const query = parseConsoleInput(auditListQuery, ctx.query);
    const scope = await auditScopeOf(app.dataSource.manager, ctx.state.actor as MemberActor);
    ctx.body = await listAudit(app, scope, query, (rows) => presentConsoleAuditRows(app, rows));
  });
  // What the page's filters pick from: the actions, and the people whose rows the member reads.
  router.get('/audit/options', async (ctx) => {
    const scope = await auditScopeOf(app.dataSource.manager, ctx.state.actor as MemberActor);
    const names = await memberNames(app.dataSource.manager, [...scope.userIds]);
    const people = scope.all
      ? (await app.dataSource.manager.query(`SELECT user_id AS userId, name FROM member ORDER BY name`)).map((m: { userId: string; name: string }) => ({ userId: m.userId, name: m.name }))
      : [...scope.userIds].map((userId) => ({ userId, name: names.get(userId) ?? userId }));
    ctx.body = {
      actions: AUDIT_ACTIONS.map((action) => ({ action, label: AUDIT_ACTION_LABELS[action] ?? '其他操作' })),
      people,
    };
  });
  return router;
}
