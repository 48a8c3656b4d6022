import { EntityManager } from 'typeorm';
import { Job } from './job.entity';

export interface JobRequest {
  kind: string;
  /** Same key = same side effect: enqueueing it again is a no-op. */
  dedupKey: string;
  payload: Record<string, unknown>;
  priority?: number;
  availableAt?: number;
  deadlineAt?: number | null;
}

export const PRIORITY = { welcome: 0, tagging: 3, notice: 5, background: 8 } as const;

/** Adds a job inside the caller's transaction, unless a job with the same dedup key exists. */
export async function enqueueJob(manager: EntityManager, request: JobRequest): Promise<void> {
  const now = Date.now();
  await manager
    .createQueryBuilder()
    .insert()
    .into(Job)
    .values({
      kind: request.kind,
      dedupKey: request.dedupKey.slice(0, 191),
      payload: request.payload as never,
      priority: request.priority ?? PRIORITY.notice,
      status: 'pending',
      attempts: 0,
      availableAt: request.availableAt ?? now,
      deadlineAt: request.deadlineAt ?? null,
      createdAt: now,
    })
    .orIgnore()
    // No re-select of defaults: after an ignored insert SQLite reports no row id, and TypeORM would throw.
    .updateEntity(false)
    .execute();
}
