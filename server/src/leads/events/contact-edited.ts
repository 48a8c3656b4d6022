import type { AppContext } from '../../context';
import type { EventMeta } from '../../inbox/handlers';
import { getExternalContact } from '../../wecom/contact-api';
import type { ContactEditedEvent } from '../../wecom/events';
import { Lead } from '../lead.entity';
import { LeadRelation } from '../lead-relation.entity';
import { syncLeadTagsFromWecom } from '../sync-tags';
import { addTimelineEntry } from '../timeline';

/** edit_external_contact: a rep changed the remark or corp tags. Re-read the contact and follow suit. */
export async function onContactEdited(event: ContactEditedEvent, ctx: AppContext, meta: EventMeta) {
  const lead = await ctx.dataSource.getRepository(Lead).findOneBy({ externalUserId: event.externalUserId });
  if (!lead) return 'ignored' as const; // never captured (e.g. added before Xiansuo was connected)
  const details = await getExternalContact(ctx.wecom.contact, event.externalUserId);
  const follow = details.follow_user.find((f) => f.userid === event.userId);
  await ctx.dataSource.transaction(async (manager) => {
    const contact = details.external_contact;
    if (contact.name) lead.name = contact.name;
    if (contact.avatar) lead.avatar = contact.avatar;
    if (contact.corp_name) lead.corpName = contact.corp_name;
    if (!lead.unionid && contact.unionid) lead.unionid = contact.unionid;
    const mobile = follow?.remark_mobiles?.find(Boolean);
    if (mobile && !lead.phone) lead.phone = mobile.slice(0, 32);
    lead.updatedAt = Date.now();
    await manager.save(lead);
    if (follow) await manager.getRepository(LeadRelation).update({ leadId: lead.id, userId: event.userId }, { remark: follow.remark ?? null });
    const diff = await syncLeadTagsFromWecom(manager, lead.id, details.follow_user);
    const parts = [
      diff.added.length ? `新增标签：${diff.added.join('、')}` : '',
      diff.removed.length ? `移除标签：${diff.removed.join('、')}` : '',
    ].filter(Boolean);
    await addTimelineEntry(manager, {
      leadId: lead.id,
      kind: 'contact.edited',
      summary: `成员 ${event.userId} 更新了客户资料${parts.length ? `（${parts.join('；')}）` : ''}`,
      data: { userId: event.userId, ...diff },
      dedupKey: `inbox:${meta.inboxId}:edited`,
      occurredAt: event.createTime * 1000 || meta.receivedAt,
    });
  });
  return 'done' as const;
}
