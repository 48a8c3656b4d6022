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
  await addTimelineEntries(manager, [entry]);
}

/** Several entries in one INSERT; each is skipped when an entry with its dedup key exists. */
export async function addTimelineEntries(manager: EntityManager, entries: TimelineInput[]): Promise<void> {
  if (entries.length === 0) return;
  const now = Date.now();
  await manager
    .createQueryBuilder()
    .insert()
    .into(TimelineEntry)
    .values(
      entries.map((entry) => ({
        leadId: entry.leadId,
        kind: entry.kind,
        summary: entry.summary.slice(0, 500),
        data: (entry.data ?? null) as never,
        dedupKey: entry.dedupKey ? entry.dedupKey.slice(0, 191) : null,
        occurredAt: entry.occurredAt ?? now,
      })),
    )
    .orIgnore()
    // No re-read of ids or defaults: nobody uses them, and it would be one more statement.
    .updateEntity(false)
    .execute();
}
