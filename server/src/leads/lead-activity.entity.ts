import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs, jsonText } from '../db/columns';

/**
 * A behaviour signal on a lead (channel add, group join, intent keyword, customer reply, follow-up
 * outcome, page or content event posted through the API). Scoring reads these; they are kept.
 */
@Entity('lead_activity')
@Index('idx_activity_lead', ['leadId', 'occurredAt'])
export class LeadActivity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'lead_id', type: 'int' })
  leadId: number;

  /** channel, group_join, intent_keyword, customer_reply, follow_up_outcome, page_view, content_view, … */
  @Column({ type: 'varchar', length: 64 })
  kind: string;

  /** The detail rules match on: channel id, keyword, page path, outcome… */
  @Column({ type: 'varchar', length: 255, nullable: true })
  value: string | null;

  @Column({ type: 'text', nullable: true, transformer: jsonText })
  data: Record<string, unknown> | null;

  @Index('uq_activity_dedup', { unique: true })
  @Column({ name: 'dedup_key', type: 'varchar', length: 191, nullable: true })
  dedupKey: string | null;

  @Column({ name: 'occurred_at', type: 'bigint', transformer: epochMs })
  occurredAt: number;
}
