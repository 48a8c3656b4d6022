import { PRIORITY } from '../../jobs/enqueue';
import { leadLabel, queueRepNotice } from '../assignment/notices';
import type { DomainEventPayloads, Subscriber } from '../../events/types';
import { NotifyPayload, sendRepNotice } from '../jobs/notify-rep-job';

type Change = DomainEventPayloads['lead.owner_changed'];

const label = (c: Change) => leadLabel({ id: c.leadId, name: c.leadName });

/** What each rep concerned is told, by kind of change (Simplified Chinese: reps read it in WeCom). */
function noticesFor(c: Change): Array<Omit<NotifyPayload, 'leadId'>> {
  switch (c.kind) {
    case 'assigned':
      return [
        {
          userId: c.toUserId!,
          content: `【新线索分配】线索 ${label(c)} 已分配给您（${c.reason}）。请在 ${c.followUpHours ?? 24} 小时内跟进，超时未跟进将释放到公海。`,
          timelineSummary: `已通知 ${c.toUserId}：新分配的线索`,
        },
      ];
    case 'reassigned': {
      const why = c.note ?? c.reason;
      const by = c.byName ?? '管理员';
      const told: Array<Omit<NotifyPayload, 'leadId'>> = [
        {
          userId: c.toUserId!,
          content: `【线索改派】${by}将线索 ${label(c)} 改派给您，原因：${why}。请及时跟进。`,
          timelineSummary: `已通知 ${c.toUserId}：改派给其的线索`,
        },
      ];
      if (c.fromUserId) {
        told.push({
          userId: c.fromUserId,
          content: `【线索改派】您的线索 ${label(c)} 已由${by}改派给 ${c.toUserId}，原因：${why}。`,
          timelineSummary: `已通知 ${c.fromUserId}：线索已被改派`,
        });
      }
      return told;
    }
    case 'released':
      return c.fromUserId
        ? [
            {
              userId: c.fromUserId,
              content: `【线索释放】线索 ${label(c)} 超过 ${c.followUpHours} 小时未跟进，已释放到公海，其他同事可以认领。客户仍是您的企业微信好友，仅线索归属已变更。`,
              timelineSummary: `已通知 ${c.fromUserId}：线索已释放到公海`,
            },
          ]
        : [];
    // added (the new-customer notice covers it), claimed (the rep did it), returned and pooled
    // (nobody to tell; assignment follows): no notice.
    default:
      return [];
  }
}

/**
 * lead.owner_changed: tell the reps who got a lead, or lost one, and why. One rep: the notice is
 * sent here. Two (a reassignment): one notify_rep job each, so a refusal for one (a rep who left,
 * 81013) cannot cost the other their notice, and each is retried on its own.
 */
export const notifyRepsOfOwnershipChange: Subscriber<'lead.owner_changed'> = {
  name: 'notify-owner-change',
  priority: PRIORITY.notice,
  wants: (p) => noticesFor(p).length > 0,
  async handle(event, ctx, run) {
    const notices = noticesFor(event.payload).map((n) => ({ leadId: event.payload.leadId, ...n }));
    if (notices.length === 1) {
      await sendRepNotice(ctx, notices[0], `${run.key}:notified`, run.records);
      return 'done';
    }
    await ctx.dataSource.transaction(async (manager) => {
      for (const notice of notices) await queueRepNotice(manager, { ...notice, dedupKey: `${run.key}:notify:${notice.userId}` });
    });
    ctx.kick();
    return 'done';
  },
};
