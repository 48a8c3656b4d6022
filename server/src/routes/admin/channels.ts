import Router from '@koa/router';
import { createRouter } from '../../http/router';
import { IsNull } from 'typeorm';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { Channel } from '../../channels/channel.entity';
import { createChannel, deleteChannel, getChannel, updateChannel } from '../../channels/commands';
import { presentChannel } from '../../channels/presenters';
import { createChannelSchema, updateChannelSchema } from '../../channels/schemas';
import { channelStats } from '../../channels/stats';
import { notFound } from '../../http/errors';

const idParam = z.coerce.number().int().positive();
const statsQuery = z
  .object({
    from: z.iso.date().optional(),
    to: z.iso.date().optional(),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { path: ['to'], message: 'to must not be before from' });
/** A YYYY-MM-DD in China Standard Time, as epoch ms. */
const cstDayStart = (date: string) => Date.parse(`${date}T00:00:00+08:00`);

/** /api/admin/channels: channel QR codes (渠道活码) and their stats. */
export function channelAdminRoutes(app: AppContext): Router {
  // No prefix: with a strict router, prefix '/channels' plus route '/' only matches
  // '/channels/', and the documented spelling is '/channels'.
  const router = createRouter();

  router.post('/channels', async (ctx) => {
    const input = createChannelSchema.parse(ctx.request.body ?? {});
    const channel = await createChannel(app, input);
    ctx.status = 201;
    ctx.body = presentChannel(channel);
  });

  router.get('/channels', async (ctx) => {
    const channels = await app.dataSource.getRepository(Channel).find({ where: { deletedAt: IsNull() }, order: { id: 'DESC' } });
    ctx.body = { items: channels.map(presentChannel) };
  });

  router.get('/channels/:id', async (ctx) => {
    ctx.body = presentChannel(await getChannel(app, idParam.parse(ctx.params.id)));
  });

  router.patch('/channels/:id', async (ctx) => {
    const input = updateChannelSchema.parse(ctx.request.body ?? {});
    ctx.body = presentChannel(await updateChannel(app, idParam.parse(ctx.params.id), input));
  });

  router.delete('/channels/:id', async (ctx) => {
    await deleteChannel(app, idParam.parse(ctx.params.id));
    ctx.status = 204;
  });

  router.get('/channels/:id/stats', async (ctx) => {
    const id = idParam.parse(ctx.params.id);
    // Deleted channels keep their stats: their leads stay attributed to them.
    if (!(await app.dataSource.getRepository(Channel).existsBy({ id }))) throw notFound('channel');
    const q = statsQuery.parse(ctx.query);
    ctx.body = await channelStats(app, id, {
      from: q.from ? cstDayStart(q.from) : undefined,
      to: q.to ? cstDayStart(q.to) + 86400_000 : undefined,
    });
  });

  return router;
}
