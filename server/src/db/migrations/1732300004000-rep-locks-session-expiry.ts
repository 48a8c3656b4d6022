import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { col } from './columns';

/**
 * One lock row per rep. Checking a rep's caps (held leads, claims today) and acting on the
 * answer must happen one at a time per rep across instances; the row is locked for that.
 */
export class RepLocks1732300004000 implements MigrationInterface {
  name = 'RepLocks1732300004000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(new Table({ name: 'rep_lock', columns: [col.key('user_id', 64), col.ms('locked_at')] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('rep_lock');
  }
}
