import Router from '@koa/router';
import { IsNull } from 'typeorm';
import { z } from 'zod';
import { Channel } from '../../channels/channel.entity';
import type { AppContext } from '../../context';
import { settingsErrorsInChinese } from '../../console/settings-errors';
import { cursorParam, idParam } from '../../http/params';
import { createRouter } from '../../http/router';
import { assignmentSettingsSchema, loadAssignmentSettings, saveAssignmentSettings } from '../../leads/assignment/assignment-settings';
import { loadPoolSettings, poolSettingsSchema, savePoolSettings } from '../../leads/pool/pool-settings';
import { previewGradeChanges } from '../../leads/scoring/preview-grade-changes';
import { resetScoringRules, saveScoringRules, scoringRulesInfo, type ScoringRulesInfo } from '../../leads/scoring/rules';
import { scoringRulesSchema } from '../../leads/scoring/rules-schema';
import { listMembers, listStores, updateMember } from '../../members/commands';
import type { MemberActor } from '../../members/member-actor';
import { memberNames } from '../../members/names';
import { memberListQuery, updateMemberSchema, userIdParam } from '../../members/schemas';
import { createRule, createTeam, deleteRule, deleteTeam, listRules, listTeams, nextRulePosition, reorderRules, updateRule, updateTeam } from '../../teams/commands';
import { createRuleSchema, createTeamSchema, updateRuleSchema, updateTeamSchema } from '../../teams/schemas';
import { isoOrNull } from '../../util/time';
import { requireConsoleAdmin } from './require-admin';

/** A new rule goes last unless a position is given. */
const consoleCreateRuleSchema = createRuleSchema.extend({ position: createRuleSchema.shape.position.optional() });
/** Every rule's id once, in the order they are to be tried. */
const reorderSchema = z.object({
  ids: z
    .array(idParam)
    .max(1000)
    .refine((ids) => new Set(ids).size === ids.length, '规则重复'),
});
/** A page of the grade-change preview: the proposed rules, where to go on, how many leads. */
const previewSchema = z.object({ rules: scoringRulesSchema, cursor: cursorParam, limit: z.number().int().min(1).max(2000).default(1000) }).strict();

const presentRulesInfo = (info: ScoringRulesInfo) => ({ ...info, updatedAt: isoOrNull(info.updatedAt) });

/**
 * /api/console/settings/…: the console's 规则与设置 (issue 12), for admins only — teams and their
 * members, members' roles, assignment rules and their order, the default team, scoring rules
 * with a preview of the grades they would change, and the pool's settings. The same commands as
 * /api/admin, with the signed-in member as the actor: every change is an audit row in their name.
 */
export function consoleSettingsRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/settings' });
  router.use(requireConsoleAdmin);
  router.use(settingsErrorsInChinese());
  const by = (ctx: { state: { actor?: unknown } }) => ctx.state.actor as MemberActor;

  // Teams, with their members' names for the page.
  router.get('/teams', async (ctx) => {
    const teams = await listTeams(app);
    const names = await memberNames(app.dataSource.manager, teams.flatMap((t) => t.members.map((m) => m.userId)));
    ctx.body = { items: teams.map((t) => ({ ...t, members: t.members.map((m) => ({ ...m, name: names.get(m.userId) ?? m.userId })) })) };
  });
  router.post('/teams', async (ctx) => {
    ctx.status = 201;
    ctx.body = await createTeam(app, createTeamSchema.parse(ctx.request.body ?? {}), by(ctx));
  });
  router.patch('/teams/:id', async (ctx) => {
    ctx.body = await updateTeam(app, idParam.parse(ctx.params.id), updateTeamSchema.parse(ctx.request.body ?? {}), by(ctx));
  });
  router.delete('/teams/:id', async (ctx) => {
    await deleteTeam(app, idParam.parse(ctx.params.id), by(ctx));
    ctx.status = 204;
  });

  // Members and their roles; stores for store staff.
  router.get('/members', async (ctx) => {
    ctx.body = await listMembers(app, memberListQuery.parse(ctx.query));
  });
  router.patch('/members/:userId', async (ctx) => {
    ctx.body = await updateMember(app, userIdParam.parse(ctx.params.userId), updateMemberSchema.parse(ctx.request.body ?? {}), by(ctx));
  });
  router.get('/stores', async (ctx) => {
    ctx.body = { items: await listStores(app) };
  });
  // Channels by name, for rule conditions and the pool's per-channel deadlines.
  router.get('/channels', async (ctx) => {
    const channels = await app.dataSource.getRepository(Channel).find({ where: { deletedAt: IsNull() }, select: { id: true, name: true }, order: { id: 'ASC' } });
    ctx.body = { items: channels.map((c) => ({ id: c.id, name: c.name })) };
  });

  // Assignment rules, their order (one request for the whole list) and the default team.
  router.get('/assignment-rules', async (ctx) => {
    ctx.body = { items: await listRules(app) };
  });
  router.post('/assignment-rules', async (ctx) => {
    const input = consoleCreateRuleSchema.parse(ctx.request.body ?? {});
    ctx.status = 201;
    ctx.body = await createRule(app, { ...input, position: input.position ?? (await nextRulePosition(app)) }, by(ctx));
  });
  router.put('/assignment-rules/order', async (ctx) => {
    ctx.body = { items: await reorderRules(app, reorderSchema.parse(ctx.request.body ?? {}).ids, by(ctx)) };
  });
  router.patch('/assignment-rules/:id', async (ctx) => {
    ctx.body = await updateRule(app, idParam.parse(ctx.params.id), updateRuleSchema.parse(ctx.request.body ?? {}), by(ctx));
  });
  router.delete('/assignment-rules/:id', async (ctx) => {
    await deleteRule(app, idParam.parse(ctx.params.id), by(ctx));
    ctx.status = 204;
  });
  router.get('/assignment', async (ctx) => {
    ctx.body = await loadAssignmentSettings(app.dataSource.manager);
  });
  router.put('/assignment', async (ctx) => {
    ctx.body = await saveAssignmentSettings(app.dataSource.manager, assignmentSettingsSchema.partial().parse(ctx.request.body ?? {}), by(ctx));
  });

  // Scoring rules, and what a proposed set would do to current grades, a page at a time.
  router.get('/scoring/rules', async (ctx) => {
    ctx.body = presentRulesInfo(await scoringRulesInfo(app.dataSource));
  });
  router.put('/scoring/rules', async (ctx) => {
    ctx.body = presentRulesInfo(await saveScoringRules(app.dataSource, ctx.request.body, by(ctx)));
  });
  router.delete('/scoring/rules', async (ctx) => {
    ctx.body = presentRulesInfo(await resetScoringRules(app.dataSource, by(ctx)));
  });
  router.post('/scoring/preview', async (ctx) => {
    const body = previewSchema.parse(ctx.request.body ?? {});
    ctx.body = await previewGradeChanges(app.dataSource, body.rules, { cursor: body.cursor, limit: body.limit, now: (app.clock ?? Date.now)() });
  });

  // The pool.
  router.get('/pool', async (ctx) => {
    ctx.body = await loadPoolSettings(app.dataSource.manager);
  });
  router.put('/pool', async (ctx) => {
    ctx.body = await savePoolSettings(app.dataSource.manager, poolSettingsSchema.partial().parse(ctx.request.body ?? {}), by(ctx));
  });

  return router;
}
