import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs, jsonText } from '../db/columns';

/** Admin overrides of file defaults in config/ (scoring rules, pool settings…), as JSON by key. */
@Entity('setting')
export class Setting {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key: string;

  @Column({ type: 'text', transformer: jsonText })
  value: unknown;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMs })
  updatedAt: number;
}
