import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs, jsonText } from '../db/columns';

/**
 * A fact about the business, written in the same transaction as the change it records (an
 * outbox): "lead 12 was captured", "lead 12 changed owner". Subscribers react to it through
 * jobs written alongside (events/publish.ts), so a fact and its consequences commit together
 * or not at all. The rows stay as the history of what happened.
 */
@Entity('domain_event')
@Index('idx_domain_event_lead', ['leadId', 'id'])
export class DomainEventRow {
  @PrimaryGeneratedColumn()
  id: number;

  /** Same key = same fact: a re-run producer publishes nothing twice. */
  @Index('uq_domain_event_key', { unique: true })
  @Column({ name: 'event_key', type: 'varchar', length: 191 })
  eventKey: string;

  /** lead.captured, lead.owner_changed, lead.stage_changed, lead.converted, … */
  @Column({ type: 'varchar', length: 64 })
  name: string;

  @Column({ name: 'lead_id', type: 'int', nullable: true })
  leadId: number | null;

  @Column({ type: 'text', transformer: jsonText })
  payload: Record<string, unknown>;

  @Column({ name: 'occurred_at', type: 'bigint', transformer: epochMs })
  occurredAt: number;
}
