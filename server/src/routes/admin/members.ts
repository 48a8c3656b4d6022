import Router from '@koa/router';
import { createRouter } from '../../http/router';
import type { AppContext } from '../../context';
import { createStore, getMember, listMembers, listStores, updateMember } from '../../members/commands';
import { createStoreSchema, memberListQuery, updateMemberSchema, userIdParam } from '../../members/schemas';
import { syncMembers } from '../../members/sync';
import { ADMIN_ACTOR } from '../../policies/actor';

/**
 * /api/admin/members and /api/admin/stores: who may use the mini-program, as what. Members come
 * from WeCom (the member sync, also on demand here); roles, managed teams and stores are set here.
 */
export function memberAdminRoutes(app: AppContext): Router {
  const router = createRouter();

  router.get('/members', async (ctx) => {
    ctx.body = await listMembers(app, memberListQuery.parse(ctx.query));
  });
  router.post('/members/sync', async (ctx) => {
    ctx.body = await syncMembers(app);
  });
  router.get('/members/:userId', async (ctx) => {
    ctx.body = await getMember(app, userIdParam.parse(ctx.params.userId));
  });
  router.patch('/members/:userId', async (ctx) => {
    ctx.body = await updateMember(app, userIdParam.parse(ctx.params.userId), updateMemberSchema.parse(ctx.request.body ?? {}), ADMIN_ACTOR);
  });

  router.get('/stores', async (ctx) => {
    ctx.body = { items: await listStores(app) };
  });
  router.post('/stores', async (ctx) => {
    ctx.status = 201;
    ctx.body = await createStore(app, createStoreSchema.parse(ctx.request.body ?? {}));
  });

  return router;
}
