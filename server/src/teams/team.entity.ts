import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../db/columns';

/** A sales team: the unit assignment rules route to, with its own caps and follow-up deadline. */
@Entity('team')
export class Team {
  @PrimaryGeneratedColumn()
  id: number;

  @Index('uq_team_name', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  name: string;

  /** A rep holding this many active (not won/lost) leads gets no more by assignment or claim. */
  @Column({ name: 'max_active_leads', type: 'int', default: 200 })
  maxActiveLeads: number;

  /** Hours an owner has to follow up before the lead returns to the pool; null = global default. */
  @Column({ name: 'follow_up_hours', type: 'int', nullable: true })
  followUpHours: number | null;

  @Column({ name: 'daily_claim_limit', type: 'int', nullable: true })
  dailyClaimLimit: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;
}
