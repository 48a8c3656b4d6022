import Router from '@koa/router';
import { createRouter } from '../../http/router';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { badRequest, conflict, notFound } from '../../http/errors';
import { Lead } from '../../leads/lead.entity';
import { findDuplicatePairs } from '../../leads/merge/duplicates';
import { MergeError, mergeLeads, pickKept, sharedIdentifier } from '../../leads/merge/merge-leads';
import { presentLead } from '../../leads/presenters';
import { idParam, limitParam } from '../../http/params';

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
    const id = idParam.parse(ctx.params.id);
    const body = mergeBody.parse(ctx.request.body ?? {});
    if (body.otherLeadId === id) throw badRequest('otherLeadId must differ from the lead id');
    if (body.keepLeadId !== undefined && body.keepLeadId !== id && body.keepLeadId !== body.otherLeadId) {
      throw badRequest('keepLeadId must be one of the two leads');
    }
    const { keepId, mergeId } =
      body.keepLeadId === undefined ? pickKept(id, body.otherLeadId) : { keepId: body.keepLeadId, mergeId: body.keepLeadId === id ? body.otherLeadId : id };
    const result = await app.dataSource
      .transaction(async (manager) => {
        const [kept, merged] = await Promise.all([manager.findOneBy(Lead, { id: keepId }), manager.findOneBy(Lead, { id: mergeId })]);
        if (!kept || !merged) throw notFound('lead');
        const reason = sharedIdentifier(kept, merged);
        const lead = await mergeLeads(manager, keepId, mergeId, reason);
        return { lead, reason };
      })
      .catch((error) => {
        if (error instanceof MergeError && error.code === 'already_merged') throw conflict(error.message);
        if (error instanceof MergeError && error.code === 'not_found') throw notFound('lead');
        throw error;
      });
    app.kick();
    ctx.body = { keptLeadId: keepId, mergedLeadId: mergeId, reason: result.reason, lead: presentLead(result.lead, []) };
  });
  return router;
}
