import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs, jsonText } from '../../db/columns';

/**
 * A nurture sequence defined (or overridden) through the admin API. A row whose key is also in
 * config/nurture-sequences.json replaces the file's definition; the file stays the default.
 * `definition` is the whole validated sequence (schema.ts); `name` and `enabled` repeat it for
 * lists and for the scheduler's "enabled sequences" read.
 */
@Entity('nurture_sequence')
export class NurtureSequence {
  @PrimaryGeneratedColumn()
  id: number;

  @Index('uq_nurture_sequence_key', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  key: string;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ type: 'text', transformer: jsonText })
  definition: unknown;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMs })
  updatedAt: number;
}
