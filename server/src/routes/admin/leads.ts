import Router from '@koa/router';
import { createRouter } from '../../http/router';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { getLeadDetail, listLeads } from '../../leads/queries';
import { revealPhone, revealSchema } from '../../leads/reveal-phone';
import { replyRevealed } from '../../http/mask-replies';

const listQuery = z.object({
  channelId: z.coerce.number().int().positive().optional(),
  ownerUserId: z.string().min(1).max(64).optional(),
  tag: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

/** /api/admin/leads: the lead list (keyset pagination) and a lead with its timeline. */
export function leadAdminRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/leads' });
  router.get('/', async (ctx) => {
    ctx.body = await listLeads(app, listQuery.parse(ctx.query));
  });
  router.get('/:id', async (ctx) => {
    ctx.body = await getLeadDetail(app, z.coerce.number().int().positive().parse(ctx.params.id));
  });
  router.post('/:id/phone/reveal', async (ctx) => {
    const { purpose } = revealSchema.parse(ctx.request.body ?? {});
    replyRevealed(ctx, await revealPhone(app, { kind: 'admin' }, z.coerce.number().int().positive().parse(ctx.params.id), purpose));
  });
  return router;
}
