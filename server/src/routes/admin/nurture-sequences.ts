import Router from '@koa/router';
import { z } from 'zod';
import { createRouter } from '../../http/router';
import type { AppContext } from '../../context';
import { sequenceKeySchema, sequenceSchema } from '../../nurture/sequences/schema';
import { createSequence, getSequence, listSequences, setSequenceEnabled, updateSequence } from '../../nurture/sequences/sequences';
import { presentSequence, presentSequenceSummary } from '../../nurture/sequences/presenters';
import { sequenceFunnel } from '../../nurture/funnel';

const keyParam = sequenceKeySchema;
const objectBody = z.record(z.string(), z.unknown(), { error: 'the body is a sequence (a JSON object)' });

/**
 * Nurture sequences in the admin API (issue 11): the file's defaults and the admin's own, listed,
 * read, created, replaced, enabled and disabled. Bad definitions are 400 with field paths.
 * The admin token is checked for all of /api/admin (routes/admin.ts).
 */
export function nurtureSequenceAdminRoutes(app: AppContext): Router {
  const router = createRouter();
  router.get('/nurture/sequences', async (ctx) => {
    ctx.body = { sequences: (await listSequences(app.dataSource)).map(presentSequenceSummary) };
  });
  router.get('/nurture/sequences/:key/funnel', async (ctx) => {
    ctx.body = await sequenceFunnel(app.dataSource.manager, await getSequence(app.dataSource, ctx.params.key));
  });
  router.get('/nurture/sequences/:key', async (ctx) => {
    ctx.body = presentSequence(await getSequence(app.dataSource, ctx.params.key));
  });
  router.post('/nurture/sequences', async (ctx) => {
    const sequence = sequenceSchema.parse(ctx.request.body ?? {});
    ctx.status = 201;
    ctx.body = presentSequence(await createSequence(app.dataSource, sequence));
  });
  router.put('/nurture/sequences/:key', async (ctx) => {
    const key = keyParam.parse(ctx.params.key);
    const body = objectBody.parse(ctx.request.body ?? {});
    // The key is the path's: a body naming another one is a mistake, not a rename.
    const sequence = sequenceSchema
      .refine((s) => s.key === key, { path: ['key'], message: `key must be "${key}", as in the path (a sequence is not renamed)` })
      .parse({ key, ...body });
    ctx.body = presentSequence(await updateSequence(app.dataSource, key, sequence));
  });
  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    router.post(`/nurture/sequences/:key/${action}`, async (ctx) => {
      ctx.body = presentSequence(await setSequenceEnabled(app.dataSource, ctx.params.key, enabled));
    });
  }
  return router;
}
