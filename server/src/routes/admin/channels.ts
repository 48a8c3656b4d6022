import Router from '@koa/router';
import { createRouter } from '../../http/router';
import { IsNull } from 'typeorm';
import type { AppContext } from '../../context';
import { Channel } from '../../channels/channel.entity';
import { createChannel, deleteChannel, getChannel, updateChannel } from '../../channels/commands';
import { presentChannel } from '../../channels/presenters';
import { channelStatsQuery, createChannelSchema, updateChannelSchema } from '../../channels/schemas';
import { channelStats } from '../../channels/stats';
import { idParam } from '../../http/params';
import { ADMIN_ACTOR } from '../../policies/actor';


/** /api/admin/channels: channel QR codes (渠道活码) and their stats. */
export function channelAdminRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/channels' });

  router.post('/', async (ctx) => {
    const input = createChannelSchema.parse(ctx.request.body ?? {});
    const channel = await createChannel(app, input, { actor: ADMIN_ACTOR });
    ctx.status = 201;
    ctx.body = presentChannel(channel);
  });

  router.get('/', async (ctx) => {
    const channels = await app.dataSource.getRepository(Channel).find({ where: { deletedAt: IsNull() }, order: { id: 'DESC' } });
    ctx.body = { items: channels.map(presentChannel) };
  });

  router.get('/:id', async (ctx) => {
    ctx.body = presentChannel(await getChannel(app, idParam.parse(ctx.params.id)));
  });

  router.patch('/:id', async (ctx) => {
    const input = updateChannelSchema.parse(ctx.request.body ?? {});
    ctx.body = presentChannel(await updateChannel(app, idParam.parse(ctx.params.id), input, ADMIN_ACTOR));
  });

  router.delete('/:id', async (ctx) => {
    await deleteChannel(app, idParam.parse(ctx.params.id));
    ctx.status = 204;
  });

  router.get('/:id/stats', async (ctx) => {
    const id = idParam.parse(ctx.params.id);
    // A deleted channel answers 404 like everywhere else here; its leads still count, by channel,
    // in /api/admin/stats/channels.
    await getChannel(app, id);
    ctx.body = await channelStats(app, id, channelStatsQuery().parse(ctx.query));
  });

  return router;
}
