import type { EntityManager } from 'typeorm';
import { recordAudit } from '../audit/record-audit';
import type { AppContext } from '../context';
import { isUniqueViolation } from '../db/data-source';
import { HttpError, notFound } from '../http/errors';
import type { PolicyActor } from '../policies/actor';
import { ensureCorpTags } from '../tags/corp-tags';
import { WecomApiError } from '../wecom/errors';
import { Channel } from './channel.entity';
import { UPDATABLE_CHANNEL_FIELDS, type CreateChannelInput, type UpdateChannelInput } from './schemas';
import { newChannelState } from './state-key';

/** add_contact_way type: 1 = one rep, 2 = several. WeCom does not let a config change type. */
const contactWayType = (userIds: string[]) => (userIds.length === 1 ? 1 : 2);
/**
 * What WeCom answers for a config_id it does not know (无效的「联系我」config_id参数): the only
 * errcode that means the contact way is already gone. Not in wecom-reference.md; it comes from
 * WeCom's global errcode table. Anything else (40001 is an invalid secret) says nothing about the
 * code, which may well still be live.
 */
const CONTACT_WAY_NOT_FOUND = 41044;

/** What an edit's audit row says was changed, in the words of the console. */
const FIELD_LABELS: Record<keyof UpdateChannelInput, string> = {
  name: '名称',
  userIds: '接待成员',
  tags: '标签',
  welcomeText: '欢迎语',
  welcomeMiniprogram: '小程序卡片',
};

/**
 * Creates the channel and its WeCom 「联系我」 QR code. The row is written first (reserving the
 * state), then WeCom is called; if WeCom refuses, the row is removed so nothing half-made stays.
 * With an `actor` (a member in the console, the admin token) the channel's going live is audited
 * under them, in the same transaction; seeded channels (demo mode) have no actor and no row.
 */
export async function createChannel(
  ctx: AppContext,
  input: CreateChannelInput,
  options: { state?: string; actor?: PolicyActor } = {},
): Promise<Channel> {
  const repo = ctx.dataSource.getRepository(Channel);
  const now = Date.now();
  let channel: Channel | null = null;
  for (let i = 0; i < 3 && !channel; i++) {
    const candidate = repo.create({
      name: input.name,
      // A fixed state only for seeded channels (demo mode's expo code, which its example sequence names).
      state: options.state ?? newChannelState(),
      configId: null,
      qrCode: null,
      userIds: input.userIds,
      tagNames: input.tags,
      welcomeText: input.welcomeText ?? null,
      welcomeMiniprogram: input.welcomeMiniprogram ?? null,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    });
    try {
      channel = await repo.save(candidate);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  if (!channel) throw new Error('could not allocate a unique channel state');
  try {
    if (input.tags.length) await ensureCorpTags(ctx, input.tags);
    const reply = await ctx.wecom.contact.post<{ config_id: string; qr_code?: string }>('externalcontact/add_contact_way', {
      type: contactWayType(input.userIds),
      scene: 2,
      skip_verify: true,
      state: channel.state,
      remark: input.name.slice(0, 30),
      user: input.userIds,
    });
    channel.configId = reply.config_id;
    channel.qrCode = reply.qr_code ?? null;
    const created = channel;
    const live = await ctx.dataSource.transaction(async (manager) => {
      if (!(await updateLiveChannel(manager, created.id, { configId: created.configId, qrCode: created.qrCode }))) return false;
      if (options.actor) {
        await recordAudit(manager, {
          action: 'channel.create',
          actor: options.actor,
          leadId: null,
          leadOwnerUserId: null,
          purpose: `创建渠道「${created.name}」`,
          detail: { channelId: created.id, userIds: created.userIds, tags: created.tagNames },
        });
      }
      return true;
    });
    if (!live) {
      // The row is listed from the start, so it can be deleted while WeCom makes the code: take
      // the new code down again rather than leave a live one no channel stands for.
      await ctx.wecom.contact.post('externalcontact/del_contact_way', { config_id: reply.config_id }).catch((error: unknown) => {
        ctx.logger.warn({ err: error, configId: reply.config_id }, 'could not remove the contact way of a channel deleted while it was created');
      });
      throw notFound('channel');
    }
    return channel;
  } catch (error) {
    await repo.delete({ id: channel.id });
    throw error;
  }
}

export async function getChannel(ctx: AppContext, id: number): Promise<Channel> {
  const channel = await ctx.dataSource.getRepository(Channel).findOneBy({ id });
  if (!channel || channel.deletedAt) throw notFound('channel');
  return channel;
}

/**
 * Applies an edit. WeCom is told first (name and reps live in the 「联系我」 config too), so a
 * refusal leaves nothing changed locally. The local write then sets only the edited columns and
 * only while the channel is not deleted: a DELETE that lands while WeCom is being called must not
 * be undone by writing back the row as it was read before. With an `actor`, the edit is audited
 * under them (which fields changed) in the transaction of that write.
 */
export async function updateChannel(ctx: AppContext, id: number, input: UpdateChannelInput, actor?: PolicyActor): Promise<Channel> {
  // Not a schema refine: that would answer "request is invalid" and hide the reason in `fields`.
  const given = UPDATABLE_CHANNEL_FIELDS.filter((field) => input[field] !== undefined);
  if (given.length === 0) {
    throw new HttpError(400, 'validation_failed', 'nothing to update', {
      fields: [{ path: '', message: `give at least one of ${UPDATABLE_CHANNEL_FIELDS.join(', ')}` }],
    });
  }
  const channel = await getChannel(ctx, id);
  if (input.userIds && contactWayType(input.userIds) !== contactWayType(channel.userIds)) {
    throw new HttpError(400, 'validation_failed', 'a single-rep channel cannot become a multi-rep one (or back); create a new channel', {
      fields: [{ path: 'userIds', message: `must keep ${channel.userIds.length === 1 ? 'exactly one rep' : 'at least two reps'}` }],
    });
  }
  if (input.tags?.length) await ensureCorpTags(ctx, input.tags);
  const wecomChanges: Record<string, unknown> = {};
  if (input.userIds) wecomChanges.user = input.userIds;
  if (input.name) wecomChanges.remark = input.name.slice(0, 30);
  if (Object.keys(wecomChanges).length && channel.configId) {
    try {
      await ctx.wecom.contact.post('externalcontact/update_contact_way', { config_id: channel.configId, ...wecomChanges });
    } catch (error) {
      // A DELETE that got to WeCom first removed the code: the channel is gone, not WeCom broken.
      if (isContactWayGone(error) && (await isDeleted(ctx, id))) throw notFound('channel');
      throw error;
    }
  }
  const changes: Partial<Channel> = { updatedAt: Date.now() };
  if (input.name !== undefined) changes.name = input.name;
  if (input.userIds !== undefined) changes.userIds = input.userIds;
  if (input.tags !== undefined) changes.tagNames = input.tags;
  if (input.welcomeText !== undefined) changes.welcomeText = input.welcomeText || null;
  if (input.welcomeMiniprogram !== undefined) changes.welcomeMiniprogram = input.welcomeMiniprogram;
  const updated = await ctx.dataSource.transaction(async (manager) => {
    if (!(await updateLiveChannel(manager, id, changes))) return false;
    if (actor) {
      await recordAudit(manager, {
        action: 'channel.update',
        actor,
        leadId: null,
        leadOwnerUserId: null,
        purpose: `修改渠道「${input.name ?? channel.name}」：${given.map((f) => FIELD_LABELS[f]).join('、')}`,
        detail: { channelId: id, fields: given },
      });
    }
    return true;
  });
  if (!updated) throw notFound('channel');
  return getChannel(ctx, id);
}

/**
 * Removes the QR code in WeCom; the row stays (soft delete) so past leads keep their channel.
 * Only WeCom saying the config does not exist lets the local delete go ahead without it; any
 * other refusal (a wrong secret, no permission, an untrusted IP…) keeps the channel, because its
 * code is still live and scannable.
 */
export async function deleteChannel(ctx: AppContext, id: number): Promise<void> {
  const channel = await getChannel(ctx, id);
  if (channel.configId) {
    try {
      await ctx.wecom.contact.post('externalcontact/del_contact_way', { config_id: channel.configId });
    } catch (error) {
      if (!isContactWayGone(error)) throw error;
    }
  }
  const now = Date.now();
  if (!(await updateLiveChannel(ctx.dataSource.manager, id, { deletedAt: now, updatedAt: now }))) throw notFound('channel');
}

/** Sets these columns if the channel is not deleted; false when it is (or no longer exists). */
async function updateLiveChannel(manager: EntityManager, id: number, changes: Partial<Channel>): Promise<boolean> {
  const result = await manager
    .createQueryBuilder()
    .update(Channel)
    .set(changes)
    .where('id = :id AND deleted_at IS NULL', { id })
    .execute();
  return Boolean(result.affected);
}

async function isDeleted(ctx: AppContext, id: number): Promise<boolean> {
  const row = await ctx.dataSource.getRepository(Channel).findOne({ where: { id }, select: { id: true, deletedAt: true } });
  return !row || row.deletedAt !== null;
}

const isContactWayGone = (error: unknown) => error instanceof WecomApiError && error.errcode === CONTACT_WAY_NOT_FOUND;
