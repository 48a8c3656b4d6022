import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { col, index } from './columns';

/**
 * Issue 12: the console's Excel exports of leads — `lead_export` (the request, its progress) and
 * `lead_export_part` (the file, in pieces): console/leads/export/.
 */
export class LeadExports1732300019400 implements MigrationInterface {
  name = 'LeadExports1732300019400';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'lead_export',
        columns: [
          col.id(),
          col.str('requested_by', 64),
          col.str('purpose', 200),
          col.text('filter'),
          col.int('max_lead_id'),
          col.int('total'),
          col.int('done', false, 0),
          col.str('status', 16),
          col.str('file_name', 128),
          col.int('file_size', true),
          col.str('error', 255, true),
          col.ms('created_at'),
          col.ms('finished_at', true),
        ],
        indices: [index('idx_lead_export_by', ['requested_by', 'id']), index('idx_lead_export_created', ['created_at'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'lead_export_part',
        columns: [col.id(), col.int('export_id'), col.int('seq'), col.text('data')],
        indices: [index('uq_lead_export_part', ['export_id', 'seq'], true)],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('lead_export_part');
    await q.dropTable('lead_export');
  }
}
