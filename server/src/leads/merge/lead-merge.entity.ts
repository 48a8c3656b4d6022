import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs, jsonText } from '../../db/columns';

/** A duplicate lead folded into another: what was merged, why, and a snapshot of the merged row. */
@Entity('lead_merge')
@Index('idx_lead_merge_kept', ['keptLeadId'])
export class LeadMerge {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'kept_lead_id', type: 'int' })
  keptLeadId: number;

  @Column({ name: 'merged_lead_id', type: 'int' })
  mergedLeadId: number;

  /** phone, unionid, external_user_id, email, manual */
  @Column({ type: 'varchar', length: 32 })
  reason: string;

  @Column({ type: 'text', transformer: jsonText })
  snapshot: Record<string, unknown>;

  /** The merged lead's WeCom external_userid: its customer's chats still find the kept lead by it. */
  @Index('idx_lead_merge_external_user')
  @Column({ name: 'merged_external_user_id', type: 'varchar', length: 128, nullable: true })
  mergedExternalUserId: string | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;
}
