import type { AppContext } from '../../context';
import type { Job } from '../../jobs/job.entity';
import { addTimelineEntry } from '../timeline';
import { maskPhoneNumbersInText } from '../../privacy/phone-numbers';

interface NotifyPayload {
  leadId: number;
  userId: string;
  content: string;
  timelineSummary: string;
}

/**
 * Job `notify_rep`: an app message (message/send) to one rep. WeCom's duplicate check drops an
 * identical message within the interval, so a retry after a lost reply does not notify twice.
 */
export async function notifyRepJob(job: Job, ctx: AppContext) {
  const payload = job.payload as unknown as NotifyPayload;
  await ctx.wecom.agent.post('message/send', {
    touser: payload.userId,
    msgtype: 'text',
    agentid: ctx.config.wecom.agentId,
    // A notice shows on a phone's lock screen: numbers in a lead's name or company stay masked.
    text: { content: maskPhoneNumbersInText(payload.content) },
    enable_duplicate_check: 1,
    duplicate_check_interval: 1800,
  }, { retryOnNetworkError: true });
  await addTimelineEntry(ctx.dataSource.manager, {
    leadId: payload.leadId,
    kind: 'owner.notified',
    summary: payload.timelineSummary,
    data: { userId: payload.userId },
    dedupKey: `job:${job.id}:notified`,
  });
  return 'done' as const;
}
