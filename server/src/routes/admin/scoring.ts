import Router from '@koa/router';
import { createRouter } from '../../http/router';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { instantSchema } from '../../util/instant-schema';
import { isoOrNull } from '../../util/time';
import { ATTRIBUTE_FIELD, ATTRIBUTE_FIELD_RULE } from '../../leads/scoring/rules-schema';
import { resetScoringRules, saveScoringRules, scoringRulesInfo, ScoringRulesInfo } from '../../leads/scoring/rules';
import { MAX_ATTRIBUTES, recordLeadEvent, updateLeadAttributes } from '../../leads/scoring/lead-signals';
import { idParam } from '../../http/params';
import { ADMIN_ACTOR } from '../../policies/actor';

const presentRulesInfo = (info: ScoringRulesInfo) => ({ ...info, updatedAt: isoOrNull(info.updatedAt) });
/** Events may come from clocks a little ahead of ours, not from the future. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const eventBody = z
  .object({
    kind: z.string().trim().regex(/^[a-z][a-z0-9_.:-]{0,63}$/, 'kind is a code such as page_view or content_view'),
    value: z.union([z.string().trim().max(255), z.number()]).nullable().optional(),
    occurredAt: instantSchema.optional(),
    data: z
      .record(z.string(), z.unknown())
      .refine((d) => JSON.stringify(d).length <= 4000, 'data is at most 4000 characters as JSON')
      .optional(),
    eventId: z.string().trim().min(1).max(100).optional(),
  })
  .strict()
  .refine((b) => b.occurredAt === undefined || b.occurredAt <= Date.now() + MAX_CLOCK_SKEW_MS, {
    path: ['occurredAt'],
    message: 'occurredAt is in the future',
  });

const attributeValue = z.union([z.string().trim().min(1).max(200), z.number().finite(), z.boolean(), z.null()]);
const attributesBody = z
  .object({
    industry: z.string().trim().min(1).max(64).nullable().optional(),
    companySize: z.union([z.number().int().min(0), z.string().trim().min(1).max(32)]).nullable().optional(),
    region: z.string().trim().min(1).max(64).nullable().optional(),
    budget: z.union([z.number().min(0), z.string().trim().min(1).max(32)]).nullable().optional(),
    productLine: z.string().trim().min(1).max(64).nullable().optional(),
  })
  .catchall(attributeValue)
  .superRefine((body, ctx) => {
    const keys = Object.keys(body);
    if (!keys.length) ctx.addIssue({ code: 'custom', path: [], message: 'give at least one attribute' });
    if (keys.length > MAX_ATTRIBUTES) ctx.addIssue({ code: 'custom', path: [], message: `at most ${MAX_ATTRIBUTES} attributes` });
    for (const key of keys) {
      if (!ATTRIBUTE_FIELD.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: ATTRIBUTE_FIELD_RULE });
    }
  });

/**
 * Scoring in the admin API: the rules (file default, admin override), behaviour events posted by
 * other systems (web pages, content), and lead attributes that attribute rules read.
 */
export function scoringAdminRoutes(app: AppContext): Router {
  const router = createRouter();
  router.get('/scoring/rules', async (ctx) => {
    ctx.body = presentRulesInfo(await scoringRulesInfo(app.dataSource));
  });
  router.put('/scoring/rules', async (ctx) => {
    ctx.body = presentRulesInfo(await saveScoringRules(app.dataSource, ctx.request.body, ADMIN_ACTOR));
  });
  router.delete('/scoring/rules', async (ctx) => {
    ctx.body = presentRulesInfo(await resetScoringRules(app.dataSource, ADMIN_ACTOR));
  });
  router.post('/leads/:id/events', async (ctx) => {
    const id = idParam.parse(ctx.params.id);
    const body = eventBody.parse(ctx.request.body ?? {});
    const recorded = await recordLeadEvent(app, id, {
      kind: body.kind,
      value: body.value === undefined || body.value === null ? null : String(body.value),
      occurredAt: body.occurredAt,
      data: body.data ?? null,
      eventId: body.eventId,
    });
    ctx.status = 202;
    ctx.body = { accepted: true, ...recorded };
  });
  router.patch('/leads/:id/attributes', async (ctx) => {
    const id = idParam.parse(ctx.params.id);
    const patch = attributesBody.parse(ctx.request.body ?? {});
    const result = await updateLeadAttributes(app, id, patch as Record<string, string | number | boolean | null>);
    ctx.body = { id: result.id, attributes: result.attributes, rescoreQueued: result.changed };
  });
  return router;
}
