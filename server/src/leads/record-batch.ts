import type { EntityManager } from 'typeorm';
import { addLeadTags, LeadTagInput } from './lead-tags';
import { addTimelineEntries, TimelineInput } from './timeline';

/**
 * What side effects that run together want written on leads once they are done: their timeline
 * entries and tags. The subscribers of one domain event run side by side in one job
 * (events/event-job.ts) and report here instead of writing row by row; the job then writes all
 * of it in one INSERT per table. Every row is keyed (timeline dedup key, one tag per lead and
 * name), so writing it again after a crash changes nothing.
 */
export class LeadRecordBatch {
  readonly timeline: TimelineInput[] = [];
  readonly tags: LeadTagInput[] = [];

  addTimeline(entry: TimelineInput): void {
    this.timeline.push(entry);
  }

  addTags(tags: LeadTagInput[]): void {
    this.tags.push(...tags);
  }

  /** Takes over what another batch collected (e.g. a subscriber's, once it succeeded). */
  absorb(other: LeadRecordBatch): void {
    this.timeline.push(...other.timeline);
    this.tags.push(...other.tags);
  }

  get empty(): boolean {
    return this.timeline.length === 0 && this.tags.length === 0;
  }

  /** Tags first: a reader who sees the "tags marked" entry finds the tags. No transaction: both writes are idempotent. */
  async write(manager: EntityManager): Promise<void> {
    await addLeadTags(manager, this.tags);
    await addTimelineEntries(manager, this.timeline);
  }
}
