import type { AppContext } from '../../context';
import type { Job } from '../../jobs/job.entity';
import { ensureCorpTags, syncCorpTags } from '../../tags/corp-tags';
import { WecomApiError } from '../../wecom/errors';
import { LeadRecordBatch } from '../record-batch';

/** WeCom: "invalid tag id" (a tag deleted or re-created under another id). */
const INVALID_TAG_ID = 40068;

/** Retryable: the next attempt uses the ids just read from WeCom. */
export class StaleTagIdsError extends Error {
  constructor(tagNames: string[]) {
    super(`tag ids for ${tagNames.join(', ')} were stale; re-read from WeCom`);
    this.name = 'StaleTagIdsError';
  }
}

export interface MarkTagPayload {
  leadId: number;
  userId: string;
  externalUserId: string;
  tagNames: string[];
  /** Why the tags are applied, e.g. "channel:12". */
  source: string;
}

/**
 * Applies corp tags to the customer in WeCom, then records them on the lead (the tags, and a
 * timeline entry keyed by `dedupKey`): into `records` when the caller writes them together with
 * others (an event's subscribers), else at once. mark_tag is idempotent in WeCom (adding a tag
 * already there changes nothing), so a retry after a failure or a crash cannot double anything.
 */
export async function markTags(ctx: AppContext, payload: MarkTagPayload, dedupKey: string, records?: LeadRecordBatch): Promise<'done' | 'skipped'> {
  const ids = await ensureCorpTags(ctx, payload.tagNames);
  const tagIds = [...ids.values()];
  if (tagIds.length === 0) return 'skipped';
  try {
    await ctx.wecom.contact.post('externalcontact/mark_tag', {
      userid: payload.userId,
      external_userid: payload.externalUserId,
      add_tag: tagIds,
    });
  } catch (error) {
    // A tag deleted or re-created in WeCom since we last read the ids (another instance may have
    // synced, and this one's cache is up to a minute old): read them afresh and try again later.
    if (!(error instanceof WecomApiError) || error.errcode !== INVALID_TAG_ID) throw error;
    await syncCorpTags(ctx);
    throw new StaleTagIdsError(payload.tagNames);
  }
  const batch = records ?? new LeadRecordBatch();
  batch.addTags([...ids].map(([name, tagId]) => ({ leadId: payload.leadId, name, tagId, source: payload.source })));
  batch.addTimeline({
    leadId: payload.leadId,
    kind: 'tags.marked',
    summary: `已打标签：${[...ids.keys()].join('、')}`,
    data: { tags: [...ids.keys()], userId: payload.userId },
    dedupKey,
  });
  // On its own: no transaction, both writes are idempotent (unique keys), so a crash between
  // them is repaired by the retry.
  if (!records) await batch.write(ctx.dataSource.manager);
  return 'done';
}

/** Job `mark_tag`: tags queued directly (jobs queued before domain events, or by other callers). */
export function markTagJob(job: Job, ctx: AppContext) {
  return markTags(ctx, job.payload as unknown as MarkTagPayload, `job:${job.id}:tags`);
}
