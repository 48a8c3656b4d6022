import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { col, index } from './columns';

/** Callback inbox, side-effect jobs and the shared WeCom access-token cache. */
export class Foundation1732300000000 implements MigrationInterface {
  name = 'Foundation1732300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'inbox_event',
        columns: [
          col.id('id', true, q),
          col.str('dedup_key', 191),
          col.str('partition_key', 191),
          col.str('kind', 64),
          col.text('payload'),
          col.text('raw_xml'),
          col.str('status', 16),
          col.int('attempts', false, 0),
          col.ms('available_at'),
          col.str('lease_owner', 64, true),
          col.ms('lease_until', true),
          col.text('last_error', true),
          col.ms('received_at'),
          col.ms('finished_at', true),
        ],
        indices: [
          index('uq_inbox_dedup', ['dedup_key'], true),
          index('idx_inbox_claim', ['status', 'available_at']),
          index('idx_inbox_partition', ['partition_key', 'id']),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'job',
        columns: [
          col.id('id', true, q),
          col.str('kind', 64),
          col.str('dedup_key', 191),
          col.text('payload'),
          col.int('priority', false, 5),
          col.str('status', 16),
          col.int('attempts', false, 0),
          col.ms('available_at'),
          col.ms('deadline_at', true),
          col.str('lease_owner', 64, true),
          col.ms('lease_until', true),
          col.text('last_error', true),
          col.ms('created_at'),
          col.ms('finished_at', true),
        ],
        indices: [index('uq_job_dedup', ['dedup_key'], true), index('idx_job_claim', ['status', 'priority', 'available_at'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'wecom_access_token',
        columns: [
          col.key('cache_key', 128),
          col.str('access_token', 600, true),
          col.ms('expires_at', false, 0),
          col.str('lock_owner', 64, true),
          col.ms('lock_until', false, 0),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('wecom_access_token');
    await q.dropTable('job');
    await q.dropTable('inbox_event');
  }
}
