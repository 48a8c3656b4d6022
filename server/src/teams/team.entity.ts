import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs, jsonText } from '../db/columns';

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

export interface RuleCondition {
  /** region, industry, productLine, channelId, tag, source, or any attribute key. */
  field: string;
  op: 'eq' | 'in' | 'contains';
  value: string | number | Array<string | number>;
}

/** Ordered routing rule: the first enabled rule whose conditions all match sends the lead to its team. */
@Entity('assignment_rule')
@Index('idx_assignment_rule_position', ['position'])
export class AssignmentRule {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  position: number;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'text', transformer: jsonText })
  conditions: RuleCondition[];

  @Column({ name: 'team_id', type: 'int' })
  teamId: number;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;
}
