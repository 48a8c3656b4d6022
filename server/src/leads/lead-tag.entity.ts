import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../db/columns';

/** A tag on a lead, by name; `tagId` is the WeCom corp tag id when the tag lives in WeCom. */
@Entity('lead_tag')
@Index('uq_lead_tag', ['leadId', 'name'], { unique: true })
@Index('idx_lead_tag_name', ['name', 'leadId'])
export class LeadTag {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'lead_id', type: 'int' })
  leadId: number;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @Column({ name: 'tag_id', type: 'varchar', length: 128, nullable: true })
  tagId: string | null;

  @Column({ type: 'varchar', length: 32 })
  source: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;
}
