import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from '../db/columns';

/** Local copy of a WeCom corp tag (企业标签), kept in sync with get_corp_tag_list. */
@Entity('corp_tag')
@Index('idx_corp_tag_name', ['name'])
export class CorpTag {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @Column({ name: 'group_id', type: 'varchar', length: 128 })
  groupId: string;

  @Column({ name: 'group_name', type: 'varchar', length: 64 })
  groupName: string;

  @Column({ type: 'boolean', default: false })
  deleted: boolean;

  @Column({ name: 'synced_at', type: 'bigint', transformer: epochMs })
  syncedAt: number;
}
