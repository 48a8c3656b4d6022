import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../../db/columns';

/**
 * What became of one step for one enrollment. Final statuses: `done` (a tag, score or rep
 * reminder action), `skipped` (its condition did not hold, or the budget rule said skip),
 * `rep_task` (the budget was spent: the rep was asked to send it by hand), `no_recipient` (no
 * customer or owner to push to, or WeCom would not take the customer), `delivered` / `not_friend`
 * / `over_cap` (send results 1 / 2 / 3), `unconfirmed` (the member never confirmed; cancelled),
 * `failed` (WeCom refused the message). In flight: `queued` (decided, waiting to be batched),
 * `sending` (in a push whose add_msg_template call is under way), `awaiting` (the push exists;
 * the member has not confirmed yet, or results are not all in).
 */
export const STEP_RUN_STATUSES = [
  'done',
  'skipped',
  'rep_task',
  'no_recipient',
  'queued',
  'sending',
  'awaiting',
  'delivered',
  'not_friend',
  'over_cap',
  'unconfirmed',
  'failed',
] as const;
export type StepRunStatus = (typeof STEP_RUN_STATUSES)[number];

/** A push that may still reach the customer: it counts against their budget until settled. */
export const IN_FLIGHT_STATUSES: readonly StepRunStatus[] = ['queued', 'sending', 'awaiting'];

/**
 * One row per (enrollment, step): the unique index is what makes a due step execute exactly
 * once, whichever instance, tick or retry gets to it (nurture/steps/run-due-steps.ts).
 */
@Entity('nurture_step_run')
@Index('uq_nurture_step_run', ['enrollmentId', 'stepIndex'], { unique: true })
@Index('idx_nurture_step_run_status', ['status', 'ranAt'])
@Index('idx_nurture_step_run_push', ['pushId'])
@Index('idx_nurture_step_run_sequence', ['sequenceKey', 'stepId'])
@Index('idx_nurture_step_run_customer', ['externalUserId', 'status'])
export class NurtureStepRun {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'enrollment_id', type: 'int' })
  enrollmentId: number;

  @Column({ name: 'lead_id', type: 'int' })
  leadId: number;

  @Column({ name: 'sequence_key', type: 'varchar', length: 64 })
  sequenceKey: string;

  @Column({ name: 'step_id', type: 'varchar', length: 40 })
  stepId: string;

  @Column({ name: 'step_index', type: 'int' })
  stepIndex: number;

  /** The step's action type (push_content, remind_rep, add_tag, remove_tag, change_score). */
  @Column({ type: 'varchar', length: 16 })
  action: string;

  @Column({ type: 'varchar', length: 16 })
  status: StepRunStatus;

  /** Why, in a word or two: `condition`, `corp_budget_spent`, `no_owner`, `fail_list`, an errcode… */
  @Column({ type: 'varchar', length: 128, nullable: true })
  detail: string | null;

  /** Pushes: the customer and the member who sends (the lead's owner when the step ran). */
  @Column({ name: 'external_userid', type: 'varchar', length: 64, nullable: true })
  externalUserId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  sender: string | null;

  /** Pushes: the add_msg_template call (nurture_push) it went out in. */
  @Column({ name: 'push_id', type: 'int', nullable: true })
  pushId: number | null;

  @Column({ name: 'ran_at', type: 'bigint', transformer: epochMs })
  ranAt: number;

  /** Pushes: when the member confirmed the send in the WeCom client. */
  @Column({ name: 'confirmed_at', type: 'bigint', nullable: true, transformer: epochMs })
  confirmedAt: number | null;

  /** When the status became final. */
  @Column({ name: 'settled_at', type: 'bigint', nullable: true, transformer: epochMs })
  settledAt: number | null;
}
