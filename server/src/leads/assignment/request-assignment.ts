import { EntityManager } from 'typeorm';
import { enqueueJob, PRIORITY } from '../../jobs/enqueue';

export interface AssignmentRequestOptions {
  /** Reps who must not get the lead this time (e.g. the rep who just returned it). */
  excludeUserIds?: string[];
}

/**
 * Queues assignment (rules → team → round-robin rep) for a lead that has no WeCom owner:
 * web form, import, store entry, group join, or a lead returned by its rep. Job `lead.assign`.
 */
export async function requestAssignment(manager: EntityManager, leadId: number, cause: string, options: AssignmentRequestOptions = {}): Promise<void> {
  await enqueueJob(manager, {
    kind: 'lead.assign',
    dedupKey: `assign:${leadId}:${cause}`,
    payload: { leadId, cause, ...(options.excludeUserIds?.length ? { excludeUserIds: options.excludeUserIds } : {}) },
    priority: PRIORITY.notice,
  });
}
