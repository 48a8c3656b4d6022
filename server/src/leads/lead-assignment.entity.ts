import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../db/columns';

/** `merged`: a lead without an owner took the owner of a duplicate merged into it. */
export type AssignmentKind = 'added' | 'assigned' | 'reassigned' | 'returned' | 'released' | 'claimed' | 'merged';

/** Ownership history: who had the lead when and why. Claim caps and response times read it. */
@Entity('lead_assignment')
@Index('idx_assignment_lead', ['leadId', 'id'])
@Index('idx_assignment_to_user', ['toUserId', 'kind', 'createdAt'])
export class LeadAssignment {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'lead_id', type: 'int' })
  leadId: number;

  @Column({ type: 'varchar', length: 16 })
  kind: AssignmentKind;

  @Column({ name: 'from_user_id', type: 'varchar', length: 64, nullable: true })
  fromUserId: string | null;

  @Column({ name: 'to_user_id', type: 'varchar', length: 64, nullable: true })
  toUserId: string | null;

  @Column({ name: 'team_id', type: 'int', nullable: true })
  teamId: number | null;

  @Column({ type: 'varchar', length: 255 })
  reason: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;
}
