import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { col, index } from './columns';

/**
 * Issue 11, the message budget: `nurture_message_delivery`, the per-customer ledger of corp mass
 * messages and their send results (nurture/budget/). (msgid, external_userid) is unique so that
 * reading send results back twice records nothing new.
 */
export class NurtureBudget1732300015000 implements MigrationInterface {
  name = 'NurtureBudget1732300015000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'nurture_message_delivery',
        columns: [
          col.id(),
          col.str('external_userid', 64),
          col.int('lead_id', true),
          col.str('msgid', 64),
          col.str('sender', 64),
          col.str('source', 64),
          col.int('status'),
          col.ms('sent_at'),
          col.ms('recorded_at'),
        ],
        indices: [
          index('uq_nurture_delivery_msg_customer', ['msgid', 'external_userid'], true),
          index('idx_nurture_delivery_customer', ['external_userid', 'sent_at']),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('nurture_message_delivery');
  }
}
