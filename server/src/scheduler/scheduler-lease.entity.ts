import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '../db/columns';

/** "Job `name` ran for time slot `slot`": the primary key lets exactly one instance insert it. */
@Entity('scheduler_lease')
export class SchedulerLease {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  slot: string;

  @Column({ type: 'varchar', length: 64 })
  owner: string;

  @Column({ name: 'acquired_at', type: 'bigint', transformer: epochMs })
  acquiredAt: number;
}
