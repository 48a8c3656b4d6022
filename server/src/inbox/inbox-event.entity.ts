import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs, jsonText } from '../db/columns';
import type { WecomEvent } from '../wecom/events';

export type InboxStatus = 'pending' | 'done' | 'ignored' | 'dead';

/** One decrypted WeCom callback, stored before it is acknowledged. */
@Entity('inbox_event')
@Index('idx_inbox_partition_open', ['partitionKey', 'status', 'id'])
@Index('idx_inbox_open', ['status', 'id'])
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
}
