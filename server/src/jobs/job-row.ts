import { Job } from './job.entity';

const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/**
 * A claimed job row (as the claim statement returned it) as the entity handlers take: the
 * same conversions as the entity's column transformers (JSON payload, epoch-ms numbers).
 */
export function jobFromRow(raw: Record<string, unknown>): Job {
  return Object.assign(new Job(), {
    id: Number(raw.id),
    kind: String(raw.kind),
    lane: String(raw.lane),
    dedupKey: String(raw.dedup_key),
    payload: typeof raw.payload === 'string' ? JSON.parse(raw.payload) : raw.payload,
    priority: Number(raw.priority),
    status: raw.status as Job['status'],
    attempts: Number(raw.attempts),
    availableAt: Number(raw.available_at),
    deadlineAt: num(raw.deadline_at),
    leaseOwner: (raw.lease_owner as string | null) ?? null,
    leaseUntil: num(raw.lease_until),
    lastError: (raw.last_error as string | null) ?? null,
    createdAt: Number(raw.created_at),
    finishedAt: num(raw.finished_at),
  });
}
