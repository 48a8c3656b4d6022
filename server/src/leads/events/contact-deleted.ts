import type { AppContext } from '../../context';
import { publishEvent } from '../../events/publish';
import type { EventMeta } from '../../inbox/handlers';
import type { ContactDeletedEvent, ContactTransferFailedEvent } from '../../wecom/events';
import { Lead } from '../lead.entity';
import { LeadRelation } from '../lead-relation.entity';
import { addTimelineEntry } from '../timeline';

const LOST_REASON = {
  customer_deleted_rep: '客户删除了成员',
  rep_deleted_customer: '成员删除了客户',
  transferred: '在职继承转移，原成员关系解除',
} as const;

function reasonOf(event: ContactDeletedEvent): keyof typeof LOST_REASON {
  if (event.changeType === 'del_follow_user') return 'customer_deleted_rep';
  return event.source === 'DELETE_BY_TRANSFER' ? 'transferred' : 'rep_deleted_customer';
}

/**
 * del_external_contact / del_follow_user: the relation with that rep is lost, and lead.relation_lost
 * says why (nurture exits when the customer deleted the rep). The lead and its history stay;
 * other reps' relations are untouched.
 */
export async function onContactDeleted(event: ContactDeletedEvent, ctx: AppContext, meta: EventMeta) {
  return ctx.dataSource.transaction(async (manager) => {
    const lead = await manager.getRepository(Lead).findOneBy({ externalUserId: event.externalUserId });
    if (!lead) return 'ignored' as const;
    const reason = reasonOf(event);
    const occurredAt = event.createTime * 1000 || meta.receivedAt;
    await manager
      .getRepository(LeadRelation)
      .update({ leadId: lead.id, userId: event.userId, status: 'active' }, { status: 'lost', lostReason: reason, lostAt: occurredAt });
    await addTimelineEntry(manager, {
      leadId: lead.id,
      kind: 'relation.lost',
      summary: `${LOST_REASON[reason]}（成员 ${event.userId}）`,
      data: { userId: event.userId, reason, changeType: event.changeType, source: event.source ?? null },
      dedupKey: `inbox:${meta.inboxId}:lost`,
      occurredAt,
    });
    await publishEvent(manager, {
      name: 'lead.relation_lost',
      key: `lead.relation_lost:inbox:${meta.inboxId}`,
      occurredAt,
      payload: { leadId: lead.id, userId: event.userId, externalUserId: event.externalUserId, reason },
    });
    return 'done' as const;
  });
}

const TRANSFER_FAIL_REASON: Record<string, string> = {
  customer_refused: '客户拒绝了转接',
  customer_limit_exceed: '接替成员的客户数已达上限',
};

/** transfer_fail: an in-service transfer of this customer did not happen. */
export async function onTransferFailed(event: ContactTransferFailedEvent, ctx: AppContext, meta: EventMeta) {
  const lead = await ctx.dataSource.getRepository(Lead).findOneBy({ externalUserId: event.externalUserId });
  if (!lead) return 'ignored' as const;
  await addTimelineEntry(ctx.dataSource.manager, {
    leadId: lead.id,
    kind: 'transfer.failed',
    summary: `客户转接失败：${TRANSFER_FAIL_REASON[event.failReason ?? ''] ?? event.failReason ?? '原因未知'}（接替成员 ${event.userId}）`,
    data: { userId: event.userId, failReason: event.failReason ?? null },
    dedupKey: `inbox:${meta.inboxId}:transfer_fail`,
    occurredAt: event.createTime * 1000 || meta.receivedAt,
  });
  return 'done' as const;
}
