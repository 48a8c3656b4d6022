import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../../db/columns';

export type EnrollmentStatus = 'active' | 'exited' | 'completed';

/**
 * One lead's pass through one nurture sequence (issue 11). A lead is in a given sequence at most
 * once at a time: `active_key` is `<lead>:<sequence>` while the enrollment is active and NULL
 * after, under a unique index (NULLs never collide, on SQLite and MariaDB alike), so a second
 * enrollment racing the first writes nothing. `cause_key` keys an enrollment by what caused it
 * (a subscriber's run), so a re-run enrolls nothing again even after the lead has exited.
 */
@Entity('nurture_enrollment')
@Index('idx_nurture_enrollment_lead', ['leadId', 'id'])
@Index('idx_nurture_enrollment_due', ['status', 'nextDueAt'])
export class NurtureEnrollment {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'lead_id', type: 'int' })
  leadId: number;

  @Column({ name: 'sequence_key', type: 'varchar', length: 64 })
  sequenceKey: string;

  @Column({ type: 'varchar', length: 16 })
  status: EnrollmentStatus;

  @Index('uq_nurture_enrollment_active', { unique: true })
  @Column({ name: 'active_key', type: 'varchar', length: 96, nullable: true })
  activeKey: string | null;

  @Index('uq_nurture_enrollment_cause', { unique: true })
  @Column({ name: 'cause_key', type: 'varchar', length: 191, nullable: true })
  causeKey: string | null;

  /** The trigger: channel_capture, tag_added, score_band or manual (reasons.ts). */
  @Column({ type: 'varchar', length: 32 })
  reason: string;

  /** What the trigger named: the channel's name, the tag, the grade, who enrolled by hand. */
  @Column({ name: 'reason_detail', type: 'varchar', length: 128, nullable: true })
  reasonDetail: string | null;

  @Column({ name: 'enrolled_at', type: 'bigint', transformer: epochMs })
  enrolledAt: number;

  @Column({ name: 'exited_at', type: 'bigint', nullable: true, transformer: epochMs })
  exitedAt: number | null;

  /** An exit reason of the sequence schema (EXIT_REASONS) or `manual`. */
  @Column({ name: 'exit_reason', type: 'varchar', length: 32, nullable: true })
  exitReason: string | null;

  /** The step the scheduler runs next (0-based), and when it is due; NULL once not active. */
  @Column({ name: 'next_step_index', type: 'int', default: 0 })
  nextStepIndex: number;

  @Column({ name: 'next_due_at', type: 'bigint', nullable: true, transformer: epochMs })
  nextDueAt: number | null;
}
