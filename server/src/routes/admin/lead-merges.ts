import Router from '@koa/router';
import { createRouter } from '../../http/router';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { findDuplicatePairs } from '../../leads/merge/duplicates';
import { mergeLeadsByHand } from '../../leads/merge/merge-by-hand';
import { presentLead } from '../../leads/presenters';
import { idParam, limitParam } from '../../http/params';
import { ADMIN_ACTOR } from '../../policies/actor';

const mergeBody = z.object({
  otherLeadId: z.number().int().positive(),
  /** Which of the two survives; default the older one (lower id). */
  keepLeadId: z.number().int().positive().optional(),
});

const duplicatesQuery = z.object({ limit: limitParam(200, 50) });

/**
 * Duplicate leads: candidate pairs, and merging two leads by hand. Registered before the plain
 * /leads routes so /leads/duplicates is not taken for a lead id.
 */
export function leadMergeAdminRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/leads' });

  router.get('/duplicates', async (ctx) => {
    const { limit } = duplicatesQuery.parse(ctx.query);
    const { pairs, leads } = await findDuplicatePairs(app.dataSource, limit);
    ctx.body = {
      items: pairs.map((p) => ({
        leadId: p.leadId,
        otherLeadId: p.otherLeadId,
        reasons: p.reasons,
        lead: presentLead(leads.get(p.leadId)!, []),
        otherLead: presentLead(leads.get(p.otherLeadId)!, []),
      })),
    };
  });

  router.post('/:id/merge', async (ctx) => {
    const body = mergeBody.parse(ctx.request.body ?? {});
    const merged = await mergeLeadsByHand(app, ADMIN_ACTOR, idParam.parse(ctx.params.id), body);
    ctx.body = { ...merged, lead: presentLead(merged.lead, []) };
  });
  return router;
}
