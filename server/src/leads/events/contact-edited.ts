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
    // `lead` was read before the WeCom call: a pool release, claim or reassignment may have been
    // committed since. Only the columns this edit is about are written, each in one UPDATE with
    // its condition in SQL, so nothing else on the row is put back to what it was.
    const contact = details.external_contact;
    const mobile = follow?.remark_mobiles?.find(Boolean);
    const params: Record<string, unknown> = { id: lead.id };
    const set: Record<string, unknown> = { updatedAt: Date.now() };
    if (contact.name) set.name = contact.name;
    if (contact.avatar) set.avatar = contact.avatar;
    if (contact.corp_name) set.corpName = contact.corp_name;
    // Known identity is kept: fill, never overwrite.
    if (contact.unionid) {
      set.unionid = () => 'COALESCE(unionid, :unionid)';
      params.unionid = contact.unionid;
    }
    if (mobile) {
      set.phone = () => 'COALESCE(phone, :phone)';
      params.phone = mobile.slice(0, 32);
    }
    await manager.createQueryBuilder().update(Lead).set(set).where('id = :id').setParameters(params).execute();
    if (follow) await manager.getRepository(LeadRelation).update({ leadId: lead.id, userId: event.userId }, { remark: follow.remark ?? null });
    const occurredAt = event.createTime * 1000 || meta.receivedAt;
    const diff = await syncLeadTagsFromWecom(manager, lead.id, details.follow_user, { cause: `inbox:${meta.inboxId}`, at: occurredAt });
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
      occurredAt,
    });
  });
  return 'done' as const;
}
