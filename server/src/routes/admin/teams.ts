import Router from '@koa/router';
import { createRouter } from '../../http/router';
import type { AppContext } from '../../context';
import { createRule, createTeam, deleteRule, deleteTeam, getTeam, listRules, listTeams, updateRule, updateTeam } from '../../teams/commands';
import { createRuleSchema, createTeamSchema, updateRuleSchema, updateTeamSchema } from '../../teams/schemas';
import { idParam } from '../../http/params';
import { ADMIN_ACTOR } from '../../policies/actor';


/**
 * /api/admin/teams and /api/admin/assignment-rules: who leads go to, and in what order rules decide.
 * Changes are audited (settings.team, settings.assignment) under the actor `admin`.
 */
export function teamAdminRoutes(app: AppContext): Router {
  const router = createRouter();

  router.get('/teams', async (ctx) => {
    ctx.body = { items: await listTeams(app) };
  });
  router.post('/teams', async (ctx) => {
    const team = await createTeam(app, createTeamSchema.parse(ctx.request.body ?? {}), ADMIN_ACTOR);
    ctx.status = 201;
    ctx.body = team;
  });
  router.get('/teams/:id', async (ctx) => {
    ctx.body = await getTeam(app, idParam.parse(ctx.params.id));
  });
  router.patch('/teams/:id', async (ctx) => {
    ctx.body = await updateTeam(app, idParam.parse(ctx.params.id), updateTeamSchema.parse(ctx.request.body ?? {}), ADMIN_ACTOR);
  });
  router.delete('/teams/:id', async (ctx) => {
    await deleteTeam(app, idParam.parse(ctx.params.id), ADMIN_ACTOR);
    ctx.status = 204;
  });

  router.get('/assignment-rules', async (ctx) => {
    ctx.body = { items: await listRules(app) };
  });
  router.post('/assignment-rules', async (ctx) => {
    const rule = await createRule(app, createRuleSchema.parse(ctx.request.body ?? {}), ADMIN_ACTOR);
    ctx.status = 201;
    ctx.body = rule;
  });
  router.patch('/assignment-rules/:id', async (ctx) => {
    ctx.body = await updateRule(app, idParam.parse(ctx.params.id), updateRuleSchema.parse(ctx.request.body ?? {}), ADMIN_ACTOR);
  });
  router.delete('/assignment-rules/:id', async (ctx) => {
    await deleteRule(app, idParam.parse(ctx.params.id), ADMIN_ACTOR);
    ctx.status = 204;
  });

  return router;
}
