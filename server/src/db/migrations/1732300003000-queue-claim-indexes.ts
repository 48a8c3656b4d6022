import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';
import { index } from './columns';

/**
 * Claim queries read open rows in claim order. With a backlog of tens of thousands (a viral
 * burst), indexes that match that order let the database stop after a batch instead of sorting
 * every open row on each claim (seen as "Using filesort" in the burst benchmark). The inbox's
 * "no earlier open event of this customer" check gets an index whose two equalities make every
 * planner pick it; with only (partition_key, id), SQLite chose (status, id) and scanned the whole
 * backlog once per candidate.
 */
export class QueueClaimIndexes1732300003000 implements MigrationInterface {
  name = 'QueueClaimIndexes1732300003000';

  async up(q: QueryRunner): Promise<void> {
    await q.dropIndex('inbox_event', 'idx_inbox_claim');
    await q.dropIndex('inbox_event', 'idx_inbox_partition');
    await q.createIndex('inbox_event', new TableIndex(index('idx_inbox_open', ['status', 'id'])));
    await q.createIndex('inbox_event', new TableIndex(index('idx_inbox_partition_open', ['partition_key', 'status', 'id'])));
    await q.dropIndex('job', 'idx_job_claim');
    await q.createIndex('job', new TableIndex(index('idx_job_open', ['status', 'priority', 'id'])));
    await q.createIndex('job', new TableIndex(index('idx_job_kind_open', ['kind', 'status', 'id'])));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('job', 'idx_job_kind_open');
    await q.dropIndex('job', 'idx_job_open');
    await q.createIndex('job', new TableIndex(index('idx_job_claim', ['status', 'priority', 'available_at'])));
    await q.dropIndex('inbox_event', 'idx_inbox_partition_open');
    await q.dropIndex('inbox_event', 'idx_inbox_open');
    await q.createIndex('inbox_event', new TableIndex(index('idx_inbox_partition', ['partition_key', 'id'])));
    await q.createIndex('inbox_event', new TableIndex(index('idx_inbox_claim', ['status', 'available_at'])));
  }
}
