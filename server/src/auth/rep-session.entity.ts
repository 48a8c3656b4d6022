import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from '../db/columns';

/** A rep signed in through the mini-program (jscode2session). Only a hash of the token is stored. */
@Entity('rep_session')
@Index('idx_rep_session_user', ['userId'])
@Index('idx_rep_session_expires', ['expiresAt'])
export class RepSession {
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Column({ name: 'user_id', type: 'varchar', length: 64 })
  userId: string;

  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt: number;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;
}
