import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { col, index } from './columns';

/**
 * Issue 11, nurture: `nurture_sequence`, the sequences defined or overridden through the admin
 * API (nurture/sequences/); config/nurture-sequences.json holds the defaults.
 */
export class NurtureSequences1732300014000 implements MigrationInterface {
  name = 'NurtureSequences1732300014000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'nurture_sequence',
        columns: [col.id(), col.str('key', 64), col.str('name', 64), col.bool('enabled', true), col.text('definition'), col.ms('created_at'), col.ms('updated_at')],
        indices: [index('uq_nurture_sequence_key', ['key'], true)],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('nurture_sequence');
  }
}
