import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';
import { col, index } from './columns';

/**
 * The admin lead list filters by stage and by pool membership, newest first: an index on
 * (filter, id) lets the database read one page in order and stop, as idx_lead_owner and
 * idx_lead_channel do for their filters. And follow-up reminders gain the state `cancelled`
 * (the lead was won or lost before the reminder was due), one character longer than the
 * column allowed.
 */
export class LeadFiltersReminderCancel1732300005000 implements MigrationInterface {
  name = 'LeadFiltersReminderCancel1732300005000';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex('lead', new TableIndex(index('idx_lead_stage', ['stage', 'id'])));
    await q.createIndex('lead', new TableIndex(index('idx_lead_in_pool', ['in_pool', 'id'])));
    await q.changeColumn('follow_up', 'reminder_status', new TableColumn(col.str('reminder_status', 16, false, 'none')));
  }

  async down(q: QueryRunner): Promise<void> {
    // Cancelled reminders were never going to be sent: `none` is the nearest older state.
    await q.query("UPDATE follow_up SET reminder_status = 'none' WHERE reminder_status = 'cancelled'");
    await q.changeColumn('follow_up', 'reminder_status', new TableColumn(col.str('reminder_status', 8, false, 'none')));
    await q.dropIndex('lead', 'idx_lead_in_pool');
    await q.dropIndex('lead', 'idx_lead_stage');
  }
}
