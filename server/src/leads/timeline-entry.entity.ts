import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs, jsonText } from '../db/columns';

/** One thing that happened to a lead, in the order it happened. Never deleted, only added. */
@Entity('timeline_entry')
@Index('idx_timeline_lead', ['leadId', 'id'])
export class TimelineEntry {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'lead_id', type: 'int' })
  leadId: number;

  /** e.g. contact.added, tags.marked, welcome.sent, owner.notified, relation.lost, group.joined */
  @Column({ type: 'varchar', length: 64 })
  kind: string;

  @Column({ type: 'varchar', length: 500 })
  summary: string;

  @Column({ type: 'text', nullable: true, transformer: jsonText })
  data: Record<string, unknown> | null;

  /** Makes "write this entry" idempotent when a handler re-runs. */
  @Index('uq_timeline_dedup', { unique: true })
  @Column({ name: 'dedup_key', type: 'varchar', length: 191, nullable: true })
  dedupKey: string | null;

  @Column({ name: 'occurred_at', type: 'bigint', transformer: epochMs })
  occurredAt: number;
}
