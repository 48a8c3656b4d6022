import type { AppContext } from '../context';
import { recentChannelForState } from '../channels/attribution';
import { Lead } from '../leads/lead.entity';
import { syncLeadTagsFromWecom } from '../leads/sync-tags';
import type { MemberActor } from '../members/member-actor';
import { hasRole, hidden } from '../policies/actor';
import { authorizeLead, leadScopeOf, type LeadScope } from '../policies/lead';
import { ContactDetails, getExternalContact } from '../wecom/contact-api';
import { WecomApiError } from '../wecom/errors';
import { HttpError } from '../http/errors';
import { captureLead, wecomContactCapture } from './capture-lead';
import { followMerges } from './identity';

/** WeCom: no such external_userid (40096), or nobody in the corp follows them (84061). */
const NOT_A_CUSTOMER = new Set([40096, 84061]);

/**
 * The lead of the customer a member is chatting with (the chat toolbar: wx.qy.getCurExternalContact
 * gives the external_userid). A known customer is their lead, if the lead policy lets this member
 * see it. A customer of this rep — WeCom lists them as a follower (externalcontact/get) — who is
 * not a lead yet becomes one through captureLead, owned by the rep, as if they had just added
 * them (a contact from before Xiansuo, say). Anyone else's customer, or an id WeCom does not
 * know, is 404.
 */
export async function leadOfChatContact(ctx: AppContext, actor: MemberActor, externalUserId: string): Promise<{ lead: Lead; scope: LeadScope }> {
  const manager = ctx.dataSource.manager;
  const scope = await leadScopeOf(manager, actor);
  const known = await manager.findOneBy(Lead, { externalUserId });
  if (known) {
    const lead = known.mergedIntoId ? await followMerges(manager, known.id) : known;
    try {
      return { lead: authorizeLead(scope, lead, 'view'), scope };
    } catch (error) {
      // One answer for every id out of reach, lead or not: the route must not tell which ids are leads.
      if (error instanceof HttpError && error.status === 404) throw hidden('客户');
      throw error;
    }
  }
  // Only a rep's own customer becomes a lead here: the lead is theirs.
  if (!hasRole(actor, 'rep')) throw hidden('客户');
  let details: ContactDetails;
  try {
    details = await getExternalContact(ctx.wecom.contact, externalUserId);
  } catch (error) {
    if (error instanceof WecomApiError && NOT_A_CUSTOMER.has(error.errcode)) throw hidden('客户');
    throw error;
  }
  const follow = details.follow_user.find((f) => f.userid === actor.userId);
  if (!follow) throw hidden('客户');
  const key = `chat-toolbar:${externalUserId}:${actor.userId}`;
  const occurredAt = follow.createtime ? follow.createtime * 1000 : Date.now();
  const leadId = await ctx.dataSource.transaction(async (m) => {
    const channel = await recentChannelForState(m, follow.state);
    const { lead, created } = await captureLead(m, {
      source: 'wecom',
      key,
      occurredAt,
      ...wecomContactCapture(externalUserId, details.external_contact, follow),
      // Opening the chat is the rep's doing, not the customer reaching out.
      isInteraction: false,
      owner: { userId: actor.userId, reason: '成员在聊天工具栏中打开了该客户' },
      channel: channel ? { id: channel.id, name: channel.name, tagNames: channel.tagNames } : null,
      addWay: follow.add_way ?? null,
      relation: { userId: actor.userId, state: follow.state ?? null, remark: follow.remark ?? null },
      timeline: (isNew) => ({
        kind: isNew ? 'lead.created' : 'contact.added',
        summary: `${isNew ? '新线索：' : ''}成员 ${actor.userId} 在聊天工具栏中打开了该企业微信客户${channel ? `，来源：渠道「${channel.name}」` : ''}`,
        data: { userId: actor.userId, channelId: channel?.id ?? null, state: follow.state ?? null, addWay: follow.add_way ?? null, via: 'chat_toolbar' },
        dedupKey: `${key}:captured`,
      }),
      activity: channel ? { kind: 'channel', value: String(channel.id), data: { state: channel.state }, dedupKey: `${key}:channel` } : null,
    });
    await syncLeadTagsFromWecom(m, lead.id, details.follow_user, { cause: key, at: occurredAt, isNewLead: created });
    return lead.id;
  });
  ctx.kick();
  // Identity resolution may have found the customer under another lead (a phone in the rep's
  // remark): that lead is theirs only if the policy says so.
  return { lead: authorizeLead(scope, await followMerges(manager, leadId), 'view'), scope };
}
