import { PRIORITY } from '../../jobs/enqueue';
import type { Subscriber } from '../../events/types';
import { sendRepNotice } from '../jobs/notify-rep-job';

/** lead.captured by a WeCom add: tell the rep the customer added that a new customer is waiting. */
export const notifyRepOfNewCustomer: Subscriber<'lead.captured'> = {
  name: 'notify-added-rep',
  priority: PRIORITY.notice,
  wants: (p) => p.source === 'wecom' && !!p.userId,
  async handle(event, ctx, run) {
    const { leadId, leadName, userId, channelName } = event.payload;
    await sendRepNotice(
      ctx,
      {
        leadId,
        userId: userId!,
        content: `【新客户】${leadName || '客户'} 通过${channelName ? `渠道「${channelName}」` : '自然流量'}添加了你，请及时跟进。线索编号 #${leadId}`,
        timelineSummary: `已通知成员 ${userId} 跟进`,
      },
      `${run.key}:notified`,
      run.records,
    );
    return 'done';
  },
};
