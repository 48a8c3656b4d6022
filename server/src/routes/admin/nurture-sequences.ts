import Router from '@koa/router';
import { createRouter } from '../../http/router';
import type { AppContext } from '../../context';
import { parseSequenceReplacement, sequenceKeySchema, sequenceSchema } from '../../nurture/sequences/schema';
import { createSequence, getSequence, listSequences, setSequenceEnabled, updateSequence } from '../../nurture/sequences/sequences';
import { presentSequence, presentSequenceSummary } from '../../nurture/sequences/presenters';
import { sequenceFunnel } from '../../nurture/funnel';
import { ADMIN_ACTOR } from '../../policies/actor';

const keyParam = sequenceKeySchema;

/**
 * Nurture sequences in the admin API (issue 11): the file's defaults and the admin's own, listed,
 * read, created, replaced, enabled and disabled (each change audited, actor `admin`). Bad
 * definitions are 400 with field paths.
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
    ctx.body = presentSequence(await createSequence(app.dataSource, sequence, ADMIN_ACTOR));
  });
  router.put('/nurture/sequences/:key', async (ctx) => {
    const key = keyParam.parse(ctx.params.key);
    const sequence = parseSequenceReplacement(key, ctx.request.body);
    ctx.body = presentSequence(await updateSequence(app.dataSource, key, sequence, ADMIN_ACTOR));
  });
  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    router.post(`/nurture/sequences/:key/${action}`, async (ctx) => {
      ctx.body = presentSequence(await setSequenceEnabled(app.dataSource, ctx.params.key, enabled, ADMIN_ACTOR));
    });
  }
  return router;
}
