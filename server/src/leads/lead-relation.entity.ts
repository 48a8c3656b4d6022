import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../db/columns';

export type RelationStatus = 'active' | 'lost';

/** A WeCom friendship between one lead and one rep (follow_user). */
@Entity('lead_relation')
@Index('uq_relation_lead_user', ['leadId', 'userId'], { unique: true })
@Index('idx_relation_user', ['userId'])
export class LeadRelation {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'lead_id', type: 'int' })
  leadId: number;

  @Column({ name: 'user_id', type: 'varchar', length: 64 })
  userId: string;

  @Column({ type: 'varchar', length: 16 })
  status: RelationStatus;

  @Column({ type: 'varchar', length: 30, nullable: true })
  state: string | null;

  @Column({ name: 'channel_id', type: 'int', nullable: true })
  channelId: number | null;

  @Column({ name: 'add_way', type: 'int', nullable: true })
  addWay: number | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  remark: string | null;

  @Column({ name: 'lost_reason', type: 'varchar', length: 64, nullable: true })
  lostReason: string | null;

  @Column({ name: 'added_at', type: 'bigint', transformer: epochMs })
  addedAt: number;

  @Column({ name: 'lost_at', type: 'bigint', nullable: true, transformer: epochMs })
  lostAt: number | null;
}
