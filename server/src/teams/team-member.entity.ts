import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../db/columns';

/** A rep in a team; at most one row per (team, rep). */
@Entity('team_member')
@Index('uq_team_member', ['teamId', 'userId'], { unique: true })
export class TeamMember {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'team_id', type: 'int' })
  teamId: number;

  @Column({ name: 'user_id', type: 'varchar', length: 64 })
  userId: string;

  @Column({ type: 'boolean', default: true })
  active: boolean;

  /** Round-robin cursor: the member assigned longest ago goes next. */
  @Column({ name: 'last_assigned_at', type: 'bigint', nullable: true, transformer: epochMs })
  lastAssignedAt: number | null;
}
