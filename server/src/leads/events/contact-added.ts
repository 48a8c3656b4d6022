import type { ContactAddedEvent } from '../../wecom/events';
import type { AppContext } from '../../context';
import type { EventMeta } from '../../inbox/handlers';
import { channelForState } from '../../channels/attribution';
import { enqueueJob, PRIORITY } from '../../jobs/enqueue';
import { ContactDetails, getExternalContact } from '../../wecom/contact-api';
import { WecomApiError } from '../../wecom/errors';
import { findOrCreateLead } from '../find-or-create-lead';
import { Lead } from '../lead.entity';
import { LeadAssignment } from '../lead-assignment.entity';
import { recordActivity } from '../scoring/record-activity';
import { LeadRelation } from '../lead-relation.entity';
import { syncLeadTagsFromWecom } from '../sync-tags';
import { addTimelineEntry } from '../timeline';

/**
 * A customer added a rep (add_external_contact / add_half_external_contact): fetch their details,
 * create or merge the lead, attribute it to the channel by `state`, record the relation, and queue
 * the channel's tags and the rep's notice. (The welcome was queued at intake.) Re-running this
 * for the same event changes nothing: every write is keyed by the inbox id.
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
    const channel = await channelForState(manager, event.state);
    const { lead, created } = await findOrCreateLead(
      manager,
      { externalUserId: event.externalUserId, unionid: contact?.unionid || null, phones: follow?.remark_mobiles },
      {
        name: contact?.name,
        avatar: contact?.avatar ?? null,
        contactType: contact?.type ?? null,
        gender: contact?.gender ?? null,
        corpName: contact?.corp_name ?? null,
        ownerUserId: event.userId,
        channelId: channel?.id ?? null,
        source: 'wecom',
        addWay: follow?.add_way ?? null,
        occurredAt,
      },
    );
    const gainedOwner = created || !lead.ownerUserId;
    if (!created) {
      // A returning customer, or one first seen in a group: fill what we did not know.
      if (!lead.ownerUserId) {
        lead.ownerUserId = event.userId;
        lead.inPool = false;
        lead.poolSince = null;
      }
      if (!lead.channelId && channel) lead.channelId = channel.id;
      if (contact?.name) lead.name = contact.name;
      if (contact?.avatar) lead.avatar = contact.avatar;
      if (!lead.unionid && contact?.unionid) lead.unionid = contact.unionid;
      lead.lastInteractionAt = Math.max(lead.lastInteractionAt ?? 0, occurredAt);
      lead.updatedAt = Date.now();
      await manager.save(lead);
    }
    if (gainedOwner) {
      // The rep the customer added owns the lead; the follow-up clock starts now.
      await manager.update(Lead, { id: lead.id }, { assignedAt: occurredAt });
      await manager
        .createQueryBuilder()
        .insert()
        .into(LeadAssignment)
        .values({ leadId: lead.id, kind: 'added', fromUserId: null, toUserId: event.userId, teamId: null, reason: '客户添加了该成员', createdAt: occurredAt })
        .execute();
    }
    if (channel) {
      await recordActivity(manager, { leadId: lead.id, kind: 'channel', value: String(channel.id), data: { state: channel.state }, dedupKey: `${key}:channel`, occurredAt });
    }

    const relations = manager.getRepository(LeadRelation);
    const relation = await relations.findOneBy({ leadId: lead.id, userId: event.userId });
    const relationFields = {
      status: 'active' as const,
      state: event.state ?? null,
      channelId: channel?.id ?? null,
      addWay: follow?.add_way ?? null,
      remark: follow?.remark ?? null,
      lostReason: null,
      lostAt: null,
    };
    if (relation) await relations.update({ id: relation.id }, relationFields);
    else await relations.insert({ leadId: lead.id, userId: event.userId, addedAt: occurredAt, ...relationFields });

    const where = channel ? `渠道「${channel.name}」` : event.state ? `未知渠道（state=${event.state}），按自然流量处理` : '自然流量';
    const half = event.changeType === 'add_half_external_contact' ? '（免验证添加，成员尚未确认）' : '';
    await addTimelineEntry(manager, {
      leadId: lead.id,
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
      occurredAt,
    });
    if (details) await syncLeadTagsFromWecom(manager, lead.id, details.follow_user);

    if (channel && channel.tagNames.length) {
      await enqueueJob(manager, {
        kind: 'mark_tag',
        dedupKey: `${key}:mark_tag`,
        payload: { leadId: lead.id, userId: event.userId, externalUserId: event.externalUserId, tagNames: channel.tagNames, source: `channel:${channel.id}` },
        priority: PRIORITY.tagging,
      });
    }
    const displayName = contact?.name || lead.name || '客户';
    await enqueueJob(manager, {
      kind: 'notify_rep',
      dedupKey: `${key}:notify`,
      payload: {
        leadId: lead.id,
        userId: event.userId,
        content: `【新客户】${displayName} 通过${channel ? `渠道「${channel.name}」` : '自然流量'}添加了你，请及时跟进。线索编号 #${lead.id}`,
        timelineSummary: `已通知成员 ${event.userId} 跟进`,
      },
      priority: PRIORITY.notice,
    });
  });
  ctx.kick();
  return 'done' as const;
}
