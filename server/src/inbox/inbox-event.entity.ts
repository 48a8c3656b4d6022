import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs, jsonText } from '../db/columns';
import type { WecomEvent } from '../wecom/events';

export type InboxStatus = 'pending' | 'done' | 'ignored' | 'dead';

/** One decrypted WeCom callback, stored before it is acknowledged. */
@Entity('inbox_event')
@Index('idx_inbox_partition_open', ['partitionKey', 'status', 'id'])
@Index('idx_inbox_open', ['status', 'id'])
@Index('idx_inbox_welcome_open', ['welcomeStatus', 'welcomeDeadlineAt'])
export class InboxEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: number;

  @Index('uq_inbox_dedup', { unique: true })
  @Column({ name: 'dedup_key', type: 'varchar', length: 191 })
  dedupKey: string;

  @Column({ name: 'partition_key', type: 'varchar', length: 191 })
  partitionKey: string;

  @Column({ type: 'varchar', length: 64 })
  kind: string;

  @Column({ type: 'text', transformer: jsonText })
  payload: WecomEvent;

  @Column({ name: 'raw_xml', type: 'text' })
  rawXml: string;

  @Column({ type: 'varchar', length: 16 })
  status: InboxStatus;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ name: 'available_at', type: 'bigint', transformer: epochMs })
  availableAt: number;

  @Column({ name: 'lease_owner', type: 'varchar', length: 64, nullable: true })
  leaseOwner: string | null;

  @Column({ name: 'lease_until', type: 'bigint', nullable: true, transformer: epochMs })
  leaseUntil: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'received_at', type: 'bigint', transformer: epochMs })
  receivedAt: number;

  @Column({ name: 'finished_at', type: 'bigint', nullable: true, transformer: epochMs })
  finishedAt: number | null;

  // The add's welcome message, a queue of its own on the same row (inbox/welcome-queue.ts):
  // stored by the same INSERT as the event, worked by the welcome lane. NULL status: no welcome.

  @Column({ name: 'welcome_code', type: 'varchar', length: 256, nullable: true })
  welcomeCode: string | null;

  @Column({ name: 'welcome_status', type: 'varchar', length: 16, nullable: true })
  welcomeStatus: 'pending' | 'done' | 'skipped' | 'ignored' | 'dead' | null;

  @Column({ name: 'welcome_attempts', type: 'int', default: 0 })
  welcomeAttempts: number;

  @Column({ name: 'welcome_available_at', type: 'bigint', nullable: true, transformer: epochMs })
  welcomeAvailableAt: number | null;

  /** The code's 20 s end here (intake.ts welcomeDeadline). */
  @Column({ name: 'welcome_deadline_at', type: 'bigint', nullable: true, transformer: epochMs })
  welcomeDeadlineAt: number | null;

  @Column({ name: 'welcome_lease_owner', type: 'varchar', length: 64, nullable: true })
  welcomeLeaseOwner: string | null;

  @Column({ name: 'welcome_lease_until', type: 'bigint', nullable: true, transformer: epochMs })
  welcomeLeaseUntil: number | null;

  @Column({ name: 'welcome_last_error', type: 'text', nullable: true })
  welcomeLastError: string | null;

  @Column({ name: 'welcome_finished_at', type: 'bigint', nullable: true, transformer: epochMs })
  welcomeFinishedAt: number | null;

  /**
   * Set before each send_welcome_msg whose outcome is not yet known, cleared only when WeCom's
   * answer shows it did not act (channels/welcome-job.ts).
   */
  @Column({ name: 'welcome_may_have_sent_at', type: 'bigint', nullable: true, transformer: epochMs })
  welcomeMayHaveSentAt: number | null;
}
