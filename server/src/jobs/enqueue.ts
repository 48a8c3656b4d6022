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
export function enqueueJob(manager: EntityManager, request: JobRequest): Promise<void> {
  return enqueueJobs(manager, [request]);
}

/** Several jobs in one INSERT; each is skipped when a job with its dedup key exists. */
export async function enqueueJobs(manager: EntityManager, requests: JobRequest[]): Promise<void> {
  if (requests.length === 0) return;
  const now = Date.now();
  await manager
    .createQueryBuilder()
    .insert()
    .into(Job)
    .values(
      requests.map((request) => ({
        kind: request.kind,
        dedupKey: request.dedupKey.slice(0, 191),
        payload: request.payload as never,
        priority: request.priority ?? PRIORITY.notice,
        status: 'pending',
        attempts: 0,
        availableAt: request.availableAt ?? now,
        deadlineAt: request.deadlineAt ?? null,
        createdAt: now,
      })),
    )
    .orIgnore()
    // No re-select of defaults: after an ignored insert SQLite reports no row id, and TypeORM would throw.
    .updateEntity(false)
    .execute();
}
