import Router from '@koa/router';
import type { Context } from 'koa';
import { ZodError, type ZodType } from 'zod';
import type { AppContext } from '../../context';
import { consoleFieldErrors, invalidInChinese } from '../../console/nurture-field-errors';
import { channelChoices, presentConsoleEnrollments, withLeadNames } from '../../console/nurture-views';
import { HttpError } from '../../http/errors';
import { idParam } from '../../http/params';
import { createRouter } from '../../http/router';
import type { MemberActor } from '../../members/member-actor';
import { budgetSettingsSchema, loadBudgetSettings, saveBudgetSettings } from '../../nurture/budget/budget-settings';
import { budgetListQuery, listBudgets } from '../../nurture/budget/view';
import { exitByHand } from '../../nurture/enrollment/by-hand';
import { NurtureEnrollment } from '../../nurture/enrollment/enrollment.entity';
import { enrollmentListQuery, findEnrollments } from '../../nurture/enrollment/queries';
import { sequenceFunnel } from '../../nurture/funnel';
import { presentSequence, presentSequenceSummary } from '../../nurture/sequences/presenters';
import { parseSequenceReplacement, sequenceSchema } from '../../nurture/sequences/schema';
import { createSequence, findSequence, listSequences, setSequenceEnabled, updateSequence, type SequenceInfo } from '../../nurture/sequences/sequences';
import { hidden, seesEverything } from '../../policies/actor';
import { leadScopeOf } from '../../policies/lead';
import { nurtureLeadsSql } from '../../policies/nurture';
import { requireConsoleAdmin } from './require-admin';

/**
 * /api/console/nurture: the console's 客户培育 pages (issue 12 over issue 11's nurture).
 * - Sequences and their funnels: admins and managers read them; a manager's funnel counts only
 *   the leads they may nurture (policies/nurture.ts: their teams' and their own).
 * - Writes to sequences and the message budget (rules and the per-customer view): admins only.
 *   Every change is audited under the member's name (nurture.sequence, nurture.budget).
 * - Enrollments: listed as the lead policy allows; a hand exit is the mini-program's command
 *   (the lead's owner, their manager or an admin), audited and on the timeline with the member's name.
 * Bad input is a 400 whose `fields` carry Chinese messages (console/nurture-field-errors.ts).
 */
export function consoleNurtureRoutes(app: AppContext): Router {
  const router = createRouter();
  const ds = app.dataSource;
  const now = () => (app.clock ?? Date.now)();
  const actorOf = (ctx: Context) => ctx.state.actor as MemberActor;

  /** Query parameters, or a 400 saying in Chinese which one is wrong. */
  const parseQuery = <T>(schema: ZodType<T>, value: unknown): T => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw new HttpError(400, 'validation_failed', '筛选条件有误，请检查后重试', { fields: consoleFieldErrors(parsed.error) });
  };

  async function sequenceOr404(key: string): Promise<SequenceInfo> {
    const info = key.length <= 64 ? await findSequence(ds, key) : null;
    if (!info) throw new HttpError(404, 'not_found', '培育序列不存在');
    return info;
  }

  /** A definition from the editor, or a 400 with Chinese messages by field path. */
  function definition(parse: () => ReturnType<typeof sequenceSchema.parse>) {
    try {
      return parse();
    } catch (error) {
      if (error instanceof ZodError) throw invalidInChinese(error, '序列');
      throw error;
    }
  }

  router.get('/nurture/options', async (ctx) => {
    ctx.body = { channels: await channelChoices(ds.manager), canEdit: seesEverything(actorOf(ctx)) };
  });

  router.get('/nurture/sequences', async (ctx) => {
    const list = await listSequences(ds);
    ctx.body = { sequences: list.map((info) => ({ ...presentSequenceSummary(info), description: info.sequence.description ?? null })) };
  });
  router.get('/nurture/sequences/:key', async (ctx) => {
    ctx.body = presentSequence(await sequenceOr404(ctx.params.key));
  });
  router.get('/nurture/sequences/:key/funnel', async (ctx) => {
    const info = await sequenceOr404(ctx.params.key);
    const leads = nurtureLeadsSql(await leadScopeOf(ds.manager, actorOf(ctx)));
    ctx.body = { ...(await sequenceFunnel(ds.manager, info, leads)), scope: leads ? 'teams' : 'all' };
  });

  router.post('/nurture/sequences', requireConsoleAdmin, async (ctx) => {
    const sequence = definition(() => sequenceSchema.parse(ctx.request.body ?? {}));
    try {
      ctx.body = presentSequence(await createSequence(ds, sequence, actorOf(ctx)));
      ctx.status = 201;
    } catch (error) {
      if (error instanceof HttpError && error.code === 'sequence_exists') {
        throw new HttpError(409, 'sequence_exists', `序列标识「${sequence.key}」已被使用，请换一个`, { fields: [{ path: 'key', label: '序列标识', message: '已被使用，请换一个' }] });
      }
      throw error;
    }
  });
  router.put('/nurture/sequences/:key', requireConsoleAdmin, async (ctx) => {
    const current = await sequenceOr404(ctx.params.key);
    const sequence = definition(() => parseSequenceReplacement(current.key, ctx.request.body));
    ctx.body = presentSequence(await updateSequence(ds, current.key, sequence, actorOf(ctx)));
  });
  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    router.post(`/nurture/sequences/:key/${action}`, requireConsoleAdmin, async (ctx) => {
      const current = await sequenceOr404(ctx.params.key);
      ctx.body = presentSequence(await setSequenceEnabled(ds, current.key, enabled, actorOf(ctx)));
    });
  }

  router.get('/nurture/enrollments', async (ctx) => {
    const query = parseQuery(enrollmentListQuery, ctx.query);
    const leads = nurtureLeadsSql(await leadScopeOf(ds.manager, actorOf(ctx)));
    const { rows, nextCursor } = await findEnrollments(ds.manager, query, leads);
    ctx.body = { items: await presentConsoleEnrollments(ds.manager, rows), nextCursor };
  });
  router.post('/nurture/enrollments/:id/exit', async (ctx) => {
    const id = idParam.safeParse(ctx.params.id);
    const enrollment = id.success ? await ds.getRepository(NurtureEnrollment).findOneBy({ id: id.data }) : null;
    if (!enrollment) throw hidden('记录');
    let exited: NurtureEnrollment;
    try {
      exited = await exitByHand(app, actorOf(ctx), enrollment.leadId, enrollment.id);
    } catch (error) {
      // An enrollment of a lead the member may not see reads as one that does not exist.
      if (error instanceof HttpError && error.status === 404) throw hidden('记录');
      throw error;
    }
    ctx.body = { enrollment: (await presentConsoleEnrollments(ds.manager, [exited]))[0] };
  });

  router.get('/nurture/budget', requireConsoleAdmin, async (ctx) => {
    const query = parseQuery(budgetListQuery, ctx.query);
    const settings = await loadBudgetSettings(ds.manager);
    const page = await listBudgets(ds.manager, settings, query, now());
    ctx.body = { ...page, items: await withLeadNames(ds.manager, page.items) };
  });
  router.get('/nurture/budget/settings', requireConsoleAdmin, async (ctx) => {
    ctx.body = await loadBudgetSettings(ds.manager);
  });
  router.put('/nurture/budget/settings', requireConsoleAdmin, async (ctx) => {
    const parsed = budgetSettingsSchema.partial().strict().safeParse(ctx.request.body ?? {});
    if (!parsed.success) throw invalidInChinese(parsed.error, '额度规则');
    ctx.body = await saveBudgetSettings(ds.manager, parsed.data, actorOf(ctx));
  });
  return router;
}
