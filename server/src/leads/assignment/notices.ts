import type { EntityManager } from 'typeorm';
import { enqueueJob, PRIORITY } from '../../jobs/enqueue';

export interface RepNotice {
  /** The lead it is about; null for a notice about no one lead (a rep's message in a customer group): no timeline entry then. */
  leadId: number | null;
  userId: string;
  /** The WeCom app message: Simplified Chinese, with #<leadId> so the rep can find the lead. */
  content: string;
  timelineSummary: string;
  dedupKey: string;
}

/** Queues a `notify_rep` job in the caller's transaction: sent once, after the change commits. */
export async function queueRepNotice(manager: EntityManager, notice: RepNotice): Promise<void> {
  await enqueueJob(manager, {
    kind: 'notify_rep',
    dedupKey: notice.dedupKey,
    payload: { leadId: notice.leadId, userId: notice.userId, content: notice.content, timelineSummary: notice.timelineSummary },
    priority: PRIORITY.notice,
  });
}

export const leadLabel = (lead: { id: number; name: string }) => `#${lead.id}${lead.name ? ` ${lead.name}` : ''}`;
