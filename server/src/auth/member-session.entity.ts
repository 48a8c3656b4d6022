import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../db/columns';

/**
 * A member signed in through the mini-program (wx.qy.login → jscode2session). The session
 * carries a short-lived access token and a refresh token that rotates on every use; only
 * SHA-256 hashes of the tokens are stored. A revoked session (logout, reuse of a rotated
 * refresh token, the member disabled or gone in WeCom, all roles taken away) answers 401.
 */
@Entity('member_session')
@Index('idx_member_session_user', ['userId'])
@Index('idx_member_session_expires', ['refreshExpiresAt'])
export class MemberSession {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'user_id', type: 'varchar', length: 64 })
  userId: string;

  @Index('uq_member_session_access', { unique: true })
  @Column({ name: 'access_hash', type: 'varchar', length: 64 })
  accessHash: string;

  @Column({ name: 'access_expires_at', type: 'bigint', transformer: epochMs })
  accessExpiresAt: number;

  @Index('uq_member_session_refresh', { unique: true })
  @Column({ name: 'refresh_hash', type: 'varchar', length: 64 })
  refreshHash: string;

  @Column({ name: 'refresh_expires_at', type: 'bigint', transformer: epochMs })
  refreshExpiresAt: number;

  /** The refresh token this one replaced: presented again, it shows the token was copied. */
  @Index('idx_member_session_previous')
  @Column({ name: 'previous_refresh_hash', type: 'varchar', length: 64, nullable: true })
  previousRefreshHash: string | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: epochMs })
  revokedAt: number | null;

  /** logout, refresh_reused, member_disabled, member_left, roles_removed. */
  @Column({ name: 'revoked_reason', type: 'varchar', length: 32, nullable: true })
  revokedReason: string | null;
}
