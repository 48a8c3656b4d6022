import type { ContactAddedEvent } from '../../wecom/events';
import type { AppContext } from '../../context';
import type { EventMeta } from '../../inbox/handlers';
import { recentChannelForState } from '../../channels/attribution';
import { captureLead, wecomContactCapture } from '../../capture/capture-lead';
import { ContactDetails, getExternalContact } from '../../wecom/contact-api';
import { WecomApiError } from '../../wecom/errors';
import { syncLeadTagsFromWecom } from '../sync-tags';

/**
 * A customer added a rep (add_external_contact / add_half_external_contact): fetch their details,
 * then capture the lead — attributed to the channel by `state`, owned by the rep, with the
 * relation and a timeline entry — and sync its WeCom tags, in one transaction. The channel's
 * tags and the rep's notice follow as subscribers of lead.captured. (The welcome was queued at
 * intake, or sent just before by this process, inbox/local-intake.ts.) Re-running this for the
 * same event changes nothing: everything is keyed by the inbox id.
 */
export async function onContactAdded(event: ContactAddedEvent, ctx: AppContext, meta: EventMeta) {
  let details: ContactDetails | null = null;
  try {
    details = await getExternalContact(ctx.wecom.contact, event.externalUserId);
  } catch (error) {
    // The customer may already be gone again; a lead from the event alone beats no lead.
    if (!(error instanceof WecomApiError) || error.retryable) throw error;
    ctx.logger.warn({ errcode: error.errcode, inboxId: meta.inboxId }, 'contact details unavailable; capturing from the event');
  }
  const contact = details?.external_contact;
  const follow = details?.follow_user.find((f) => f.userid === event.userId);
  const occurredAt = event.createTime ? event.createTime * 1000 : meta.receivedAt;
  const key = `inbox:${meta.inboxId}`;

  await ctx.dataSource.transaction(async (manager) => {
    // At most 5 s old, as on the welcome path: a burst through one channel reads it once.
    const channel = await recentChannelForState(manager, event.state);
    const where = channel ? `渠道「${channel.name}」` : event.state ? `未知渠道（state=${event.state}），按自然流量处理` : '自然流量';
    const half = event.changeType === 'add_half_external_contact' ? '（免验证添加，成员尚未确认）' : '';
    const { lead, created } = await captureLead(manager, {
      source: 'wecom',
      key,
      occurredAt,
      ...wecomContactCapture(event.externalUserId, contact, follow),
      isInteraction: true,
      owner: { userId: event.userId, reason: '客户添加了该成员' },
      channel: channel ? { id: channel.id, name: channel.name, tagNames: channel.tagNames } : null,
      addWay: follow?.add_way ?? null,
      relation: { userId: event.userId, state: event.state ?? null, remark: follow?.remark ?? null },
      timeline: (created) => ({
        kind: created ? 'lead.created' : 'contact.added',
        summary: `${created ? '新线索：' : ''}添加了成员 ${event.userId}，来源：${where}${half}`,
        data: {
          userId: event.userId,
          channelId: channel?.id ?? null,
          state: event.state ?? null,
          addWay: follow?.add_way ?? null,
          changeType: event.changeType,
        },
        dedupKey: `${key}:added`,
      }),
      activity: channel ? { kind: 'channel', value: String(channel.id), data: { state: channel.state }, dedupKey: `${key}:channel` } : null,
      // The welcome this process sent just before, when it took the add in itself.
      alsoOnTimeline: meta.welcomeEntry ? [{ ...meta.welcomeEntry, occurredAt: Date.now() }] : [],
    });
    if (details) await syncLeadTagsFromWecom(manager, lead.id, details.follow_user, { cause: key, at: occurredAt, isNewLead: created });
    // Taken in by this process: the inbox row (and its welcome) end in this transaction.
    await meta.settle?.(manager);
  });
  ctx.kick();
  return 'done' as const;
}
