import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../db/columns';

/**
 * A walk-in customer a store clerk entered at the counter (POST /api/mp/entries): who entered
 * them, for which store, the lead they became, and the consent the customer gave — the text they
 * were shown and its version, as it was then (the configured text may change later).
 */
@Entity('store_entry')
@Index('idx_store_entry_by', ['createdByUserId', 'createdAt'])
@Index('idx_store_entry_store', ['storeId', 'createdAt'])
@Index('idx_store_entry_lead', ['leadId'])
export class StoreEntry {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'store_id', type: 'int' })
  storeId: number;

  /** The clerk's WeCom userid. */
  @Column({ name: 'created_by_user_id', type: 'varchar', length: 64 })
  createdByUserId: string;

  /** The lead the entry landed on (follows the lead when it is merged into another). */
  @Column({ name: 'lead_id', type: 'int' })
  leadId: number;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  /** Normalised mainland mobile (11 digits). */
  @Column({ type: 'varchar', length: 32 })
  phone: string;

  @Column({ name: 'consent_version', type: 'varchar', length: 32 })
  consentVersion: string;

  /** The consent text exactly as the customer was shown it. */
  @Column({ name: 'consent_text', type: 'text' })
  consentText: string;

  /** The phone matched a lead that existed before the entry. */
  @Column({ type: 'boolean', default: false })
  duplicate: boolean;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;
}
