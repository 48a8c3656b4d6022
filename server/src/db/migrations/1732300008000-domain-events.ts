import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { col, index } from './columns';

/** Domain events as outbox rows (events/publish.ts): written with the change they record. */
export class DomainEvents1732300008000 implements MigrationInterface {
  name = 'DomainEvents1732300008000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'domain_event',
        columns: [
          col.id('id', true, q),
          col.str('event_key', 191),
          col.str('name', 64),
          col.int('lead_id', true),
          col.text('payload'),
          col.ms('occurred_at'),
        ],
        indices: [index('uq_domain_event_key', ['event_key'], true), index('idx_domain_event_lead', ['lead_id', 'id'])],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('domain_event');
  }
}
