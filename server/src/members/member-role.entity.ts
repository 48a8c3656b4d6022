import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { MemberRole } from './member-actor';

/** One role a member holds (a member may hold several): set through the admin API. */
@Entity('member_role')
@Index('idx_member_role_role', ['role', 'userId'])
export class MemberRoleRow {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 64 })
  userId: string;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  role: MemberRole;
}
