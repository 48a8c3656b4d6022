import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { col, index } from './columns';

/**
 * Domain events are kept as their jobs (`event:<name>` rows, events/publish.ts): one INSERT per
 * capture instead of two. The event rows were written and never read; their table goes.
 */
export class EventsAsJobs1732300009100 implements MigrationInterface {
  name = 'EventsAsJobs1732300009100';

  async up(q: QueryRunner): Promise<void> {
    await q.dropTable('domain_event', true);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'domain_event',
        columns: [col.id('id', true, q), col.str('event_key', 191), col.str('name', 64), col.int('lead_id', true), col.text('payload'), col.ms('occurred_at')],
        indices: [index('uq_domain_event_key', ['event_key'], true), index('idx_domain_event_lead', ['lead_id', 'id'])],
      }),
    );
  }
}
