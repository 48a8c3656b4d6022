import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { col, index } from './columns';

/**
 * The web-form rate limiter moves to rate-limiter-flexible, which keeps one row per key with its
 * points and expiry (epoch ms). The columns are in the library's order: its MySQL store inserts
 * with `INSERT INTO t VALUES (key, points, expire)`. The table is created here, not by the
 * library, so the service needs no CREATE privilege at run time. The old fixed-window table goes.
 */
export class FormRateLimit1732300006000 implements MigrationInterface {
  name = 'FormRateLimit1732300006000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'form_rate_limit',
        columns: [col.key('key', 191), col.int('points', false, 0), col.ms('expire', true)],
        indices: [index('idx_form_rate_limit_expire', ['expire'])],
      }),
    );
    await q.dropTable('rate_limit_window');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'rate_limit_window',
        columns: [{ ...col.str('key', 191), isPrimary: true }, { ...col.ms('window_start'), isPrimary: true }, col.int('count', false, 0)],
      }),
    );
    await q.dropIndex('form_rate_limit', 'idx_form_rate_limit_expire');
    await q.dropTable('form_rate_limit');
  }
}
