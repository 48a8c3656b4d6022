import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '../db/columns';

/** The access token of one (corp, secret), shared by every instance on the database. */
@Entity('wecom_access_token')
export class AccessTokenRow {
  /** corpid + a hash of the secret: the secret itself is never stored. */
  @PrimaryColumn({ name: 'cache_key', type: 'varchar', length: 128 })
  cacheKey: string;

  @Column({ name: 'access_token', type: 'varchar', length: 600, nullable: true })
  accessToken: string | null;

  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs, default: 0 })
  expiresAt: number;

  /** Refresh lock: only its holder calls gettoken until it expires. */
  @Column({ name: 'lock_owner', type: 'varchar', length: 64, nullable: true })
  lockOwner: string | null;

  @Column({ name: 'lock_until', type: 'bigint', transformer: epochMs, default: 0 })
  lockUntil: number;
}
