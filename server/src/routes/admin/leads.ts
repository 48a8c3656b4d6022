import Router from '@koa/router';
import { createRouter } from '../../http/router';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { normalizePhone } from '../../capture/contact-fields';
import { HttpError } from '../../http/errors';
import { LEAD_STAGES } from '../../leads/lead.entity';
import { getLeadDetail, listLeads } from '../../leads/queries';
import { revealPhone, revealSchema } from '../../leads/reveal-phone';
import { replyRevealed } from '../../http/mask-replies';
import { cursorParam, idParam, limitParam } from '../../http/params';

const ADMIN = { kind: 'admin' } as const;

const listQuery = z.object({
  channelId: idParam.optional(),
  ownerUserId: z.string().min(1).max(64).optional(),
  tag: z.string().min(1).max(64).optional(),
  stage: z.enum(LEAD_STAGES).optional(),
  inPool: z
    .enum(['true', 'false'], { error: 'inPool is true or false' })
    .transform((v) => v === 'true')
    .optional(),
  q: z.string().trim().min(1).max(64).optional(),
  // Stored phones are normalised (capture/contact-fields), so the search term is too: the same
  // number typed as "+86 138-0013-8000" finds the lead. Not a phone at all is a 400, not "no match".
  phone: z
    .string()
    .max(40)
    .transform((raw, c) => {
      const { phone } = normalizePhone(raw);
      if (!phone) {
        c.addIssue({ code: 'custom', message: 'phone is not a phone number' });
        return z.NEVER;
      }
      return phone;
    })
    .optional(),
  limit: limitParam(200, 50),
  cursor: cursorParam,
});

/**
 * A misspelt filter (`?owner=` for `?ownerUserId=`) must not quietly return every lead: the
 * caller would take the whole list for the filtered one.
 */
function rejectUnknownParams(query: Record<string, unknown>, known: readonly string[]) {
  const unknown = Object.keys(query).filter((key) => !known.includes(key));
  if (!unknown.length) return;
  throw new HttpError(400, 'validation_failed', `unknown query parameter${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, {
    fields: unknown.map((path) => ({ path, message: `unknown query parameter; known: ${known.join(', ')}` })),
  });
}

/** /api/admin/leads: the lead list (keyset pagination) and a lead with its timeline. */
export function leadAdminRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/leads' });
  router.get('/', async (ctx) => {
    rejectUnknownParams(ctx.query, Object.keys(listQuery.shape));
    ctx.body = await listLeads(app, listQuery.parse(ctx.query), ADMIN);
  });
  router.get('/:id', async (ctx) => {
    ctx.body = await getLeadDetail(app, idParam.parse(ctx.params.id));
  });
  router.post('/:id/phone/reveal', async (ctx) => {
    const { purpose } = revealSchema.parse(ctx.request.body ?? {});
    replyRevealed(ctx, await revealPhone(app, ADMIN, idParam.parse(ctx.params.id), purpose));
  });
  return router;
}
