import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { col, index } from './columns';

/**
 * Issue 10, store staff: `store_entry`, a walk-in customer a clerk entered (entries/), with the
 * consent text and version the customer agreed to and the lead the entry became.
 */
export class StoreEntries1732300013000 implements MigrationInterface {
  name = 'StoreEntries1732300013000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'store_entry',
        columns: [
          col.id(),
          col.int('store_id'),
          col.str('created_by_user_id', 64),
          col.int('lead_id'),
          col.str('name', 64),
          col.str('phone', 32),
          col.str('consent_version', 32),
          col.text('consent_text'),
          col.bool('duplicate'),
          col.ms('created_at'),
        ],
        indices: [
          index('idx_store_entry_by', ['created_by_user_id', 'created_at']),
          index('idx_store_entry_store', ['store_id', 'created_at']),
          index('idx_store_entry_lead', ['lead_id']),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('store_entry');
  }
}
