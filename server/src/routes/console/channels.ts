import Router from '@koa/router';
import { In, IsNull } from 'typeorm';
import type { AppContext } from '../../context';
import { Channel } from '../../channels/channel.entity';
import { createChannel, getChannel, updateChannel } from '../../channels/commands';
import { presentChannel } from '../../channels/presenters';
import { channelStatsQuery, createChannelSchema, updateChannelSchema } from '../../channels/schemas';
import { consoleChannelErrors } from '../../console/channel-errors';
import { attachmentHeader, fetchQrImage, qrFileName } from '../../console/channel-qr-image';
import { consoleChannelStats } from '../../console/channel-stats';
import { HttpError } from '../../http/errors';
import { idParam } from '../../http/params';
import { createRouter } from '../../http/router';
import { listMembers } from '../../members/commands';
import { Member } from '../../members/member.entity';
import type { MemberActor } from '../../members/member-actor';
import { memberNames } from '../../members/names';
import { statsScopeOf } from '../../policies/stats';
import { corpTagsToPick } from '../../tags/corp-tag-list';
import { requireConsoleAdmin } from './require-admin';

/** Members a channel form offers as reps: the corp is small enough that one page holds them. */
const MEMBERS_TO_PICK = 200;

/** The channel with its reps' names, as the console lists and shows it. */
async function present(app: AppContext, channels: Channel[]) {
  const names = await memberNames(app.dataSource.manager, channels.flatMap((c) => c.userIds));
  return channels.map((c) => ({ ...presentChannel(c), reps: c.userIds.map((userId) => ({ userId, name: names.get(userId) ?? userId })) }));
}

/**
 * Reps must be active members Xiansuo knows (the member sync): caught here with their ids, rather
 * than as WeCom's bare 40003 after the code was half made.
 */
async function requireActiveMembers(app: AppContext, userIds: string[] | undefined): Promise<void> {
  if (!userIds?.length) return;
  const found = await app.dataSource.getRepository(Member).find({ where: { userId: In(userIds) }, select: { userId: true, status: true } });
  const active = new Set(found.filter((m) => m.status === 'active').map((m) => m.userId));
  const missing = [...new Set(userIds)].filter((id) => !active.has(id));
  if (missing.length) {
    throw new HttpError(400, 'validation_failed', `以下接待成员不存在或已停用：${missing.join('、')}`, {
      fields: [{ path: 'userIds', message: `unknown or inactive members: ${missing.join(', ')}` }],
    });
  }
}

/**
 * /api/console/channels: channel QR codes (渠道活码) in the console. Admins and managers list
 * them, see one with its QR code image (shown and downloaded as a file) and its numbers over
 * time — a manager's numbers cover their teams' leads (policies/stats.ts); only admins create and
 * edit, through the admin API's commands, audited under the member's name.
 */
export function consoleChannelRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/channels' });
  router.use(consoleChannelErrors());

  router.get('/', async (ctx) => {
    const channels = await app.dataSource.getRepository(Channel).find({ where: { deletedAt: IsNull() }, order: { id: 'DESC' } });
    ctx.body = { items: await present(app, channels) };
  });

  // What the create and edit form offers: the corp's active members and its tags.
  router.get('/form-options', requireConsoleAdmin, async (ctx) => {
    const [members, tags] = await Promise.all([listMembers(app, { status: 'active', limit: MEMBERS_TO_PICK }), corpTagsToPick(app)]);
    ctx.body = { members: members.items.map((m) => ({ userId: m.userId, name: m.name, roles: m.roles })), tags };
  });

  router.post('/', requireConsoleAdmin, async (ctx) => {
    const input = createChannelSchema.parse(ctx.request.body ?? {});
    await requireActiveMembers(app, input.userIds);
    const channel = await createChannel(app, input, { actor: ctx.state.actor as MemberActor });
    ctx.status = 201;
    ctx.body = (await present(app, [channel]))[0];
  });

  router.get('/:id', async (ctx) => {
    ctx.body = (await present(app, [await getChannel(app, idParam.parse(ctx.params.id))]))[0];
  });

  router.patch('/:id', requireConsoleAdmin, async (ctx) => {
    const id = idParam.parse(ctx.params.id);
    const input = updateChannelSchema.parse(ctx.request.body ?? {});
    await requireActiveMembers(app, input.userIds);
    ctx.body = (await present(app, [await updateChannel(app, id, input, ctx.state.actor as MemberActor)]))[0];
  });

  router.get('/:id/stats', async (ctx) => {
    const channel = await getChannel(app, idParam.parse(ctx.params.id));
    const range = channelStatsQuery().parse(ctx.query);
    const scope = await statsScopeOf(app.dataSource.manager, ctx.state.actor as MemberActor);
    ctx.body = await consoleChannelStats(app, channel.id, scope, range);
  });

  // The QR code as an image of this origin: shown by the page, or (?download=1) saved as 渠道-<name>.png.
  router.get('/:id/qr-code', async (ctx) => {
    const channel = await getChannel(app, idParam.parse(ctx.params.id));
    const image = await fetchQrImage(app, channel);
    ctx.type = image.type;
    ctx.set('Cache-Control', 'private, max-age=300');
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (ctx.query.download === '1') ctx.set('Content-Disposition', attachmentHeader(qrFileName(channel, image), `channel-${channel.id}.${image.extension}`));
    ctx.body = image.bytes;
  });

  return router;
}
