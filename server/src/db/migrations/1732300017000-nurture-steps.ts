import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { col, index } from './columns';

/**
 * Issue 11, step execution and sending: `nurture_step_run` (one row per enrollment and step,
 * unique: a due step runs exactly once) and `nurture_push` (one add_msg_template call, tracked
 * until every recipient's send result is in the ledger).
 */
export class NurtureSteps1732300017000 implements MigrationInterface {
  name = 'NurtureSteps1732300017000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'nurture_step_run',
        columns: [
          col.id(),
          col.int('enrollment_id'),
          col.int('lead_id'),
          col.str('sequence_key', 64),
          col.str('step_id', 40),
          col.int('step_index'),
          col.str('action', 16),
          col.str('status', 16),
          col.str('detail', 128, true),
          col.str('external_userid', 64, true),
          col.str('sender', 64, true),
          col.int('push_id', true),
          col.ms('ran_at'),
          col.ms('confirmed_at', true),
          col.ms('settled_at', true),
        ],
        indices: [
          index('uq_nurture_step_run', ['enrollment_id', 'step_index'], true),
          index('idx_nurture_step_run_status', ['status', 'ran_at']),
          index('idx_nurture_step_run_push', ['push_id']),
          index('idx_nurture_step_run_sequence', ['sequence_key', 'step_id']),
          index('idx_nurture_step_run_customer', ['external_userid', 'status']),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'nurture_push',
        columns: [
          col.id(),
          col.str('sender', 64),
          col.str('sequence_key', 64),
          col.str('step_id', 40),
          col.text('content'),
          col.str('status', 16),
          col.str('msgid', 64, true),
          col.int('attempts', false, 0),
          col.ms('attempt_started_at', true),
          col.ms('created_at'),
          col.ms('submitted_at', true),
          col.ms('confirmed_at', true),
          col.int('reminders_sent', false, 0),
          col.ms('last_reminded_at', true),
          col.ms('next_check_at', true),
          col.ms('finished_at', true),
          col.str('error', 255, true),
        ],
        indices: [index('uq_nurture_push_msgid', ['msgid'], true), index('idx_nurture_push_status', ['status', 'next_check_at'])],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('nurture_push');
    await q.dropTable('nurture_step_run');
  }
}
