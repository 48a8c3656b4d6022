import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs, jsonText } from '../db/columns';

/** Where a member stands in WeCom, as the member sync last saw it. */
export const MEMBER_STATUSES = ['active', 'disabled', 'left'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/**
 * A WeCom member (企业成员) as the member sync (members/sync.ts) copies them from WeCom's member
 * list: userid, name, departments and whether they can still work. Roles are Xiansuo's own
 * (member_role, set through the admin API); only an active member with a role may sign in.
 */
@Entity('member')
@Index('idx_member_status', ['status', 'id'])
export class Member {
  /** Xiansuo's own id: the order members were first seen, and the admin list's cursor. */
  @PrimaryGeneratedColumn()
  id: number;

  @Index('uq_member_user', { unique: true })
  @Column({ name: 'user_id', type: 'varchar', length: 64 })
  userId: string;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  /** WeCom department ids (`department` of user/list). */
  @Column({ name: 'department_ids', type: 'text', transformer: jsonText })
  departmentIds: number[];

  @Column({ type: 'varchar', length: 16 })
  status: MemberStatus;

  /** Store staff: the store they enter customers for. */
  @Column({ name: 'store_id', type: 'int', nullable: true })
  storeId: number | null;

  /** When a sync last read this member from WeCom. */
  @Column({ name: 'synced_at', type: 'bigint', transformer: epochMs })
  syncedAt: number;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMs })
  updatedAt: number;
}
