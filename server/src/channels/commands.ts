import type { AppContext } from '../context';
import { isUniqueViolation } from '../db/data-source';
import { HttpError, notFound } from '../http/errors';
import { ensureCorpTags } from '../tags/corp-tags';
import { WecomApiError } from '../wecom/errors';
import { Channel } from './channel.entity';
import { UPDATABLE_CHANNEL_FIELDS, type CreateChannelInput, type UpdateChannelInput } from './schemas';
import { newChannelState } from './state-key';

/** add_contact_way type: 1 = one rep, 2 = several. WeCom does not let a config change type. */
const contactWayType = (userIds: string[]) => (userIds.length === 1 ? 1 : 2);
const CONTACT_WAY_NOT_FOUND = [41044, 40001];

/**
 * Creates the channel and its WeCom 「联系我」 QR code. The row is written first (reserving the
 * state), then WeCom is called; if WeCom refuses, the row is removed so nothing half-made stays.
 */
export async function createChannel(ctx: AppContext, input: CreateChannelInput): Promise<Channel> {
  const repo = ctx.dataSource.getRepository(Channel);
  const now = Date.now();
  let channel: Channel | null = null;
  for (let i = 0; i < 3 && !channel; i++) {
    const candidate = repo.create({
      name: input.name,
      state: newChannelState(),
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
    return await repo.save(channel);
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

export async function updateChannel(ctx: AppContext, id: number, input: UpdateChannelInput): Promise<Channel> {
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
    await ctx.wecom.contact.post('externalcontact/update_contact_way', { config_id: channel.configId, ...wecomChanges });
  }
  if (input.name !== undefined) channel.name = input.name;
  if (input.userIds !== undefined) channel.userIds = input.userIds;
  if (input.tags !== undefined) channel.tagNames = input.tags;
  if (input.welcomeText !== undefined) channel.welcomeText = input.welcomeText || null;
  if (input.welcomeMiniprogram !== undefined) channel.welcomeMiniprogram = input.welcomeMiniprogram;
  channel.updatedAt = Date.now();
  return ctx.dataSource.getRepository(Channel).save(channel);
}

/** Removes the QR code in WeCom; the row stays (soft delete) so past leads keep their channel. */
export async function deleteChannel(ctx: AppContext, id: number): Promise<void> {
  const channel = await getChannel(ctx, id);
  if (channel.configId) {
    try {
      await ctx.wecom.contact.post('externalcontact/del_contact_way', { config_id: channel.configId });
    } catch (error) {
      const alreadyGone = error instanceof WecomApiError && CONTACT_WAY_NOT_FOUND.includes(error.errcode);
      if (!alreadyGone) throw error;
    }
  }
  channel.deletedAt = Date.now();
  channel.updatedAt = channel.deletedAt;
  await ctx.dataSource.getRepository(Channel).save(channel);
}
