import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../db/columns';

/** Membership of one member (rep or external) in a group; kept after they leave. */
@Entity('group_member')
@Index('uq_group_member', ['chatId', 'memberId'], { unique: true })
export class GroupMember {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'chat_id', type: 'varchar', length: 128 })
  chatId: string;

  @Column({ name: 'member_id', type: 'varchar', length: 128 })
  memberId: string;

  /** 1 corp member, 2 external contact. */
  @Column({ name: 'member_type', type: 'int' })
  memberType: number;

  @Column({ name: 'lead_id', type: 'int', nullable: true })
  leadId: number | null;

  @Column({ name: 'join_scene', type: 'varchar', length: 16, nullable: true })
  joinScene: string | null;

  @Column({ name: 'joined_at', type: 'bigint', nullable: true, transformer: epochMs })
  joinedAt: number | null;

  @Column({ name: 'left_at', type: 'bigint', nullable: true, transformer: epochMs })
  leftAt: number | null;
}
