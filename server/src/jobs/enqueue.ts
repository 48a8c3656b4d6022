import { EntityManager } from 'typeorm';
import { Job } from './job.entity';
import { enqueueLocally } from './local-jobs';

export interface JobRequest {
  kind: string;
  /** Same key = same side effect: enqueueing it again is a no-op. */
  dedupKey: string;
  payload: Record<string, unknown>;
  priority?: number;
  availableAt?: number;
  deadlineAt?: number | null;
  /** Which workers claim it (job.entity.ts `lane`); default the general lane. */
  lane?: string;
}

/** The lane every job kind runs in today. */
export const GENERAL_LANE = 'general';

/**
 * For a job that stands for "bring X up to date" rather than a one-off effect (e.g. a lead's
 * re-score): the request uses one key per X (`rescore:<leadId>`), so any number of requests
 * while one waits coalesce into it, and the job frees the key as it starts, here. A request made
 * after that gets a job of its own: the running one may already have read what it changed.
 * Renamed, not deleted: the row stays for the admin view. A no-op on a retry (already renamed).
 */
export async function releaseDedupKey(manager: EntityManager, job: Pick<Job, 'id' | 'dedupKey'>): Promise<void> {
  const suffix = `#run${job.id}`;
  if (job.dedupKey.endsWith(suffix)) return;
  const running = `${job.dedupKey.slice(0, 191 - suffix.length)}${suffix}`;
  await manager.update(Job, { id: job.id, dedupKey: job.dedupKey }, { dedupKey: running });
  job.dedupKey = running;
}

export const PRIORITY = { welcome: 0, tagging: 3, notice: 5, background: 8 } as const;

/** Adds a job inside the caller's transaction, unless a job with the same dedup key exists. */
export function enqueueJob(manager: EntityManager, request: JobRequest): Promise<void> {
  return enqueueJobs(manager, [request]);
}

/**
 * Several jobs in one INSERT; each is skipped when a job with its dedup key exists. A single job
 * may be written leased to this process's own worker and run here as the transaction commits
 * (jobs/local-jobs.ts).
 */
export async function enqueueJobs(manager: EntityManager, requests: JobRequest[]): Promise<void> {
  if (requests.length === 0) return;
  const now = Date.now();
  if (requests.length === 1 && (requests[0].lane ?? GENERAL_LANE) === GENERAL_LANE && requests[0].kind !== 'welcome') {
    const [request] = requests;
    const local = await enqueueLocally(manager, {
      kind: request.kind,
      lane: GENERAL_LANE,
      dedupKey: request.dedupKey.slice(0, 191),
      payload: request.payload,
      priority: request.priority ?? PRIORITY.notice,
      availableAt: request.availableAt ?? now,
      deadlineAt: request.deadlineAt ?? null,
      createdAt: now,
    });
    if (local) return;
  }
  await manager
    .createQueryBuilder()
    .insert()
    .into(Job)
    .values(
      requests.map((request) => ({
        kind: request.kind,
        lane: request.lane ?? GENERAL_LANE,
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
