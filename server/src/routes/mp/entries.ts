import Router from '@koa/router';
import { createRouter } from '../../http/router';
import type { AppContext } from '../../context';
import { currentConsent } from '../../entries/consent';
import { createEntry, listEntries } from '../../entries/entries';

/**
 * Store staff (policies/entry.ts): GET /consent, the consent text a walk-in customer agrees to;
 * POST /entries, a customer entered at the counter; GET /entries?day=, the clerk's own entries.
 */
export function mpEntryRoutes(app: AppContext): Router {
  const router = createRouter();
  router.get('/consent', (ctx) => {
    ctx.body = currentConsent(app.config);
  });
  router.post('/entries', async (ctx) => {
    ctx.body = { entry: await createEntry(app, ctx.state.actor, ctx.request.body) };
    ctx.status = 201;
  });
  router.get('/entries', async (ctx) => {
    ctx.body = await listEntries(app, ctx.state.actor, ctx.query);
  });
  return router;
}
