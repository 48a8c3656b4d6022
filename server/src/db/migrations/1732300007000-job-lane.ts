import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';
import { col, index } from './columns';

/**
 * job.lane, leading the claim index after status: a lane's claim reads only its own rows, never
 * another lane's backlog (the general lane used to filter `kind <> 'welcome'` on the
 * (status, priority, id) index, stepping over every waiting welcome).
 */
export class JobLane1732300007000 implements MigrationInterface {
  name = 'JobLane1732300007000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('job', new TableColumn(col.str('lane', 16, false, 'general')));
    await q.query(`UPDATE job SET lane = 'welcome' WHERE kind = 'welcome'`);
    await q.dropIndex('job', 'idx_job_open');
    await q.createIndex('job', new TableIndex(index('idx_job_claim_lane', ['status', 'lane', 'priority', 'id'])));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('job', 'idx_job_claim_lane');
    await q.createIndex('job', new TableIndex(index('idx_job_open', ['status', 'priority', 'id'])));
    await q.dropColumn('job', 'lane');
  }
}
