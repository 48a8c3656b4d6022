import { Entity, Index, PrimaryColumn } from 'typeorm';

/** A team a member with the manager role manages (one row per team). */
@Entity('member_managed_team')
@Index('idx_member_managed_team_team', ['teamId'])
export class ManagedTeam {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 64 })
  userId: string;

  @PrimaryColumn({ name: 'team_id', type: 'int' })
  teamId: number;
}
