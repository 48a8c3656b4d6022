import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '../db/columns';

/** A WeCom customer group (客户群). */
@Entity('group_chat')
export class GroupChat {
  @PrimaryColumn({ name: 'chat_id', type: 'varchar', length: 128 })
  chatId: string;

  @Column({ type: 'varchar', length: 128, default: '' })
  name: string;

  @Column({ name: 'owner_user_id', type: 'varchar', length: 64, nullable: true })
  ownerUserId: string | null;

  @Column({ name: 'member_version', type: 'varchar', length: 64, nullable: true })
  memberVersion: string | null;

  @Column({ type: 'varchar', length: 16 })
  status: 'active' | 'dismissed';

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMs })
  updatedAt: number;
}
