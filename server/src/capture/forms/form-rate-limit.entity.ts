import { Column, Entity, Index } from 'typeorm';

/**
 * Web-form rate-limit counters, shared by every instance on the database: one row per limiter key
 * in rate-limiter-flexible's layout (its MySQL and SQLite stores read and write it directly; this
 * entity is for pruning expired rows and for tests).
 */
@Entity('form_rate_limit')
export class FormRateLimit {
  @Column({ type: 'varchar', length: 191, primary: true })
  key: string;

  @Column({ type: 'int', default: 0 })
  points: number;

  /** Epoch ms when the window ends; null never happens for the form limiter (every key has a duration). */
  @Index('idx_form_rate_limit_expire')
  @Column({ type: 'bigint', nullable: true, transformer: { to: (v: number | null) => v, from: (v: string | number | null) => (v === null ? null : Number(v)) } })
  expire: number | null;
}
