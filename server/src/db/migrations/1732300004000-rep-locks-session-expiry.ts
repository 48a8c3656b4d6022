import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { col, index } from './columns';

/**
 * One lock row per rep: checking a rep's caps (held leads, claims today) and acting on the answer
 * must happen one at a time per rep across instances; the row is locked for that. And an index
 * for the daily prune of expired rep sessions.
 */
export class RepLocksSessionExpiry1732300004000 implements MigrationInterface {
  name = 'RepLocksSessionExpiry1732300004000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(new Table({ name: 'rep_lock', columns: [col.key('user_id', 64), col.ms('locked_at')] }));
    await q.createIndex('rep_session', new TableIndex(index('idx_rep_session_expires', ['expires_at'])));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('rep_session', 'idx_rep_session_expires');
    await q.dropTable('rep_lock');
  }
}
