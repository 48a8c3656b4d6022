import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { col, index } from './columns';

/**
 * Issue 11, enrollment: `nurture_enrollment`, a lead's pass through a sequence
 * (nurture/enrollment/). `active_key` (`<lead>:<sequence>` while active, NULL after) is unique,
 * so a lead is in a sequence at most once at a time on both databases; `cause_key` is unique so
 * a re-run subscriber enrolls nothing twice.
 */
export class NurtureEnrollment1732300016000 implements MigrationInterface {
  name = 'NurtureEnrollment1732300016000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'nurture_enrollment',
        columns: [
          col.id(),
          col.int('lead_id'),
          col.str('sequence_key', 64),
          col.str('status', 16),
          col.str('active_key', 96, true),
          col.str('cause_key', 191, true),
          col.str('reason', 32),
          col.str('reason_detail', 128, true),
          col.ms('enrolled_at'),
          col.ms('exited_at', true),
          col.str('exit_reason', 32, true),
          col.int('next_step_index', false, 0),
          col.ms('next_due_at', true),
        ],
        indices: [
          index('uq_nurture_enrollment_active', ['active_key'], true),
          index('uq_nurture_enrollment_cause', ['cause_key'], true),
          index('idx_nurture_enrollment_lead', ['lead_id', 'id']),
          index('idx_nurture_enrollment_due', ['status', 'next_due_at']),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('nurture_enrollment');
  }
}
