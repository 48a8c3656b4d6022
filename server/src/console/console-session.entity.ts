import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../db/columns';

/**
 * A member signed in to the operator console (issue 12), in a browser: the cookie holds a random
 * token of which only the hash is kept; `csrf_token` is what the page must echo in X-CSRF-Token on
 * every state-changing request. The session ends when idle for CONSOLE_IDLE_MS, at the latest
 * CONSOLE_ABSOLUTE_MS after sign-in, or at sign-out.
 */
@Entity('console_session')
export class ConsoleSession {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'user_id', type: 'varchar', length: 64 })
  userId: string;

  @Index('uq_console_session_token', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Column({ name: 'csrf_token', type: 'varchar', length: 64 })
  csrfToken: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  @Column({ name: 'last_seen_at', type: 'bigint', transformer: epochMs })
  lastSeenAt: number;

  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: epochMs })
  revokedAt: number | null;
}
