import { EntityManager } from 'typeorm';
import { TimelineEntry } from './timeline-entry.entity';

export interface TimelineInput {
  leadId: number;
  kind: string;
  /** Shown to reps as is: Simplified Chinese. */
  summary: string;
  data?: Record<string, unknown> | null;
  /** Same key = same entry; a re-run handler does not write it twice. */
  dedupKey?: string | null;
  occurredAt?: number;
}

export async function addTimelineEntry(manager: EntityManager, entry: TimelineInput): Promise<void> {
  await manager
    .createQueryBuilder()
    .insert()
    .into(TimelineEntry)
    .values({
      leadId: entry.leadId,
      kind: entry.kind,
      summary: entry.summary.slice(0, 500),
      data: (entry.data ?? null) as never,
      dedupKey: entry.dedupKey ? entry.dedupKey.slice(0, 191) : null,
      occurredAt: entry.occurredAt ?? Date.now(),
    })
    .orIgnore()
    .execute();
}
