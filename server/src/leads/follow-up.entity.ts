import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../db/columns';

export const FOLLOW_UP_KINDS = ['call', 'visit', 'wecom_chat', 'note'] as const;
export type FollowUpKind = (typeof FOLLOW_UP_KINDS)[number];

/** A rep's follow-up on a lead, with an optional next step that becomes a reminder. */
@Entity('follow_up')
@Index('idx_follow_up_lead', ['leadId', 'id'])
@Index('idx_follow_up_reminder', ['reminderStatus', 'nextStepAt'])
export class FollowUp {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'lead_id', type: 'int' })
  leadId: number;

  @Column({ name: 'user_id', type: 'varchar', length: 64 })
  userId: string;

  @Column({ type: 'varchar', length: 16 })
  kind: FollowUpKind;

  /** e.g. interested, no_answer, not_interested, meeting_booked, quoted. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  outcome: string | null;

  @Column({ type: 'text', nullable: true })
  content: string | null;

  @Column({ name: 'next_step_at', type: 'bigint', nullable: true, transformer: epochMs })
  nextStepAt: number | null;

  @Column({ name: 'next_step_note', type: 'varchar', length: 255, nullable: true })
  nextStepNote: string | null;

  /** none (no next step), pending (reminder due at next_step_at), sent, cancelled (lead won or lost first). */
  @Column({ name: 'reminder_status', type: 'varchar', length: 16, default: 'none' })
  reminderStatus: 'none' | 'pending' | 'sent' | 'cancelled';

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;
}
