import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs, jsonText } from '../db/columns';

export type JobStatus = 'pending' | 'done' | 'skipped' | 'ignored' | 'dead';

/**
 * A side effect on WeCom (welcome, mark_tag, rep notice…), enqueued in the same transaction as
 * the state change that wants it, executed later with retries. The dedup key makes enqueueing
 * idempotent, so re-running a handler never asks for the same effect twice.
 */
@Entity('job')
@Index('idx_job_claim_lane', ['status', 'lane', 'priority', 'id'])
@Index('idx_job_kind_open', ['kind', 'status', 'id'])
export class Job {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: number;

  @Column({ type: 'varchar', length: 64 })
  kind: string;

  /**
   * Which workers claim it. Leading the claim index after status, so a lane's claim reads only
   * its own rows, never another lane's backlog. Every kind runs in 'general' today (welcomes
   * moved to their inbox rows); rows of kind 'welcome' from before that are in lane 'welcome'.
   */
  @Column({ type: 'varchar', length: 16, default: 'general' })
  lane: string;

  @Index('uq_job_dedup', { unique: true })
  @Column({ name: 'dedup_key', type: 'varchar', length: 191 })
  dedupKey: string;

  @Column({ type: 'text', transformer: jsonText })
  payload: Record<string, unknown>;

  /** Lower runs first: welcomes (0) overtake tagging and notices. */
  @Column({ type: 'int', default: 5 })
  priority: number;

  @Column({ type: 'varchar', length: 16 })
  status: JobStatus;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ name: 'available_at', type: 'bigint', transformer: epochMs })
  availableAt: number;

  /** A job is abandoned (dead) when it cannot finish before this time, e.g. a welcome code's 20 s. */
  @Column({ name: 'deadline_at', type: 'bigint', nullable: true, transformer: epochMs })
  deadlineAt: number | null;

  @Column({ name: 'lease_owner', type: 'varchar', length: 64, nullable: true })
  leaseOwner: string | null;

  @Column({ name: 'lease_until', type: 'bigint', nullable: true, transformer: epochMs })
  leaseUntil: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  @Column({ name: 'finished_at', type: 'bigint', nullable: true, transformer: epochMs })
  finishedAt: number | null;
}
