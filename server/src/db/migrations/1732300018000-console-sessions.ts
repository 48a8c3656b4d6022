import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { col, index } from './columns';

/** Issue 12: `console_session`, members signed in to the operator console (console/console-session.entity.ts). */
export class ConsoleSessions1732300018000 implements MigrationInterface {
  name = 'ConsoleSessions1732300018000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'console_session',
        columns: [col.id(), col.str('user_id', 64), col.str('token_hash', 64), col.str('csrf_token', 64), col.ms('created_at'), col.ms('last_seen_at'), col.ms('revoked_at', true)],
        indices: [index('uq_console_session_token', ['token_hash'], true), index('idx_console_session_user', ['user_id'])],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('console_session');
  }
}
