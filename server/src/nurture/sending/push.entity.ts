import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs, jsonText } from '../../db/columns';
import type { MessageAttachment } from '../../wecom/dto';

/**
 * `ready`: to be sent; WeCom does not have it (never called, or it answered with an error that
 * says nothing was created). `calling`: the add_msg_template call is under way, or its answer was lost (a crash, a dropped
 * connection): WeCom may or may not have created the message, so it is reconciled before
 * anything is sent again (reconcile-push.ts). `awaiting`: WeCom has it (msgid); the member has not
 * confirmed, or not all results are in. `done`: every recipient's result is recorded.
 * `cancelled`: never confirmed in time; cancelled in WeCom. `failed`: WeCom refused it.
 */
export type PushStatus = 'ready' | 'calling' | 'awaiting' | 'done' | 'cancelled' | 'failed';

export interface PushContent {
  text?: { content: string };
  attachments?: MessageAttachment[];
}

/**
 * One add_msg_template call: one step of one sequence, from one member (the sender), to the
 * customers whose runs of that step were due together (at most 10,000, WeCom's limit).
 */
@Entity('nurture_push')
@Index('uq_nurture_push_msgid', ['msgid'], { unique: true })
@Index('idx_nurture_push_status', ['status', 'nextCheckAt'])
export class NurturePush {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 64 })
  sender: string;

  @Column({ name: 'sequence_key', type: 'varchar', length: 64 })
  sequenceKey: string;

  @Column({ name: 'step_id', type: 'varchar', length: 40 })
  stepId: string;

  /** Exactly what was sent (text and attachments), so a lost answer can be matched in WeCom's list. */
  @Column({ type: 'text', transformer: jsonText })
  content: PushContent;

  @Column({ type: 'varchar', length: 16 })
  status: PushStatus;

  @Column({ type: 'varchar', length: 64, nullable: true })
  msgid: string | null;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  /** When the current add_msg_template attempt began: a call older than the reconcile delay is over. */
  @Column({ name: 'attempt_started_at', type: 'bigint', nullable: true, transformer: epochMs })
  attemptStartedAt: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  /** When WeCom took it (msgid known): reminders and expiry count from here. */
  @Column({ name: 'submitted_at', type: 'bigint', nullable: true, transformer: epochMs })
  submittedAt: number | null;

  @Column({ name: 'confirmed_at', type: 'bigint', nullable: true, transformer: epochMs })
  confirmedAt: number | null;

  @Column({ name: 'reminders_sent', type: 'int', default: 0 })
  remindersSent: number;

  @Column({ name: 'last_reminded_at', type: 'bigint', nullable: true, transformer: epochMs })
  lastRemindedAt: number | null;

  /** When tracking (task status, send results, reminders) looks at it next. */
  @Column({ name: 'next_check_at', type: 'bigint', nullable: true, transformer: epochMs })
  nextCheckAt: number | null;

  @Column({ name: 'finished_at', type: 'bigint', nullable: true, transformer: epochMs })
  finishedAt: number | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  error: string | null;
}
