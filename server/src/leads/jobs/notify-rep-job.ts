import type { AppContext } from '../../context';
import type { Job } from '../../jobs/job.entity';
import { addTimelineEntry } from '../timeline';
import type { LeadRecordBatch } from '../record-batch';
import { maskPhoneNumbersInText } from '../../privacy/phone-numbers';

export interface NotifyPayload {
  /** Null for a notice about no one lead (a rep's message in a customer group): sent, with no timeline entry. */
  leadId: number | null;
  userId: string;
  content: string;
  timelineSummary: string;
}

/**
 * An app message (message/send) to one rep, then the `owner.notified` timeline entry keyed by
 * `dedupKey` (into `records` when the caller writes it together with others). WeCom's duplicate check drops an identical message within the interval, so a retry
 * after a lost reply does not notify twice.
 */
export async function sendRepNotice(ctx: AppContext, notice: NotifyPayload, dedupKey: string, records?: LeadRecordBatch): Promise<void> {
  await ctx.wecom.agent.post('message/send', {
    touser: notice.userId,
    msgtype: 'text',
    agentid: ctx.config.wecom.agentId,
    // A notice shows on a phone's lock screen: numbers in a lead's name or company stay masked.
    text: { content: maskPhoneNumbersInText(notice.content) },
    enable_duplicate_check: 1,
    duplicate_check_interval: 1800,
  }, { retryOnNetworkError: true });
  if (notice.leadId === null) return;
  const entry = { leadId: notice.leadId, kind: 'owner.notified', summary: notice.timelineSummary, data: { userId: notice.userId }, dedupKey };
  if (records) records.addTimeline(entry);
  else await addTimelineEntry(ctx.dataSource.manager, entry);
}

/** Job `notify_rep`: one notice, queued by whoever has something to tell a rep. */
export async function notifyRepJob(job: Job, ctx: AppContext) {
  await sendRepNotice(ctx, job.payload as unknown as NotifyPayload, `job:${job.id}:notified`);
  return 'done' as const;
}
