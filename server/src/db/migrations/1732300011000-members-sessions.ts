import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { col, index } from './columns';

/**
 * Members, roles and stores for the mini-program (issue 10): WeCom members as the member sync
 * copies them, the roles Xiansuo gives them, the teams managers manage, the stores store staff
 * work in; and member sessions (a short-lived access token and a rotating refresh token, both
 * stored hashed) in place of the week-long rep sessions, which are dropped: everyone signs in
 * again once.
 */
export class MembersSessions1732300011000 implements MigrationInterface {
  name = 'MembersSessions1732300011000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'member',
        columns: [
          col.id(),
          col.str('user_id', 64),
          col.str('name', 64),
          col.text('department_ids'),
          col.str('status', 16),
          col.int('store_id', true),
          col.ms('synced_at'),
          col.ms('created_at'),
          col.ms('updated_at'),
        ],
        indices: [index('uq_member_user', ['user_id'], true), index('idx_member_status', ['status', 'id'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'member_role',
        columns: [{ ...col.str('user_id', 64), isPrimary: true }, { ...col.str('role', 16), isPrimary: true }],
        indices: [index('idx_member_role_role', ['role', 'user_id'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'member_managed_team',
        columns: [{ ...col.str('user_id', 64), isPrimary: true }, { ...col.int('team_id'), isPrimary: true }],
        indices: [index('idx_member_managed_team_team', ['team_id'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'store',
        columns: [col.id(), col.str('name', 64), col.str('tag_name', 30), col.ms('created_at')],
        indices: [index('uq_store_name', ['name'], true)],
      }),
    );
    await q.createTable(
      new Table({
        name: 'member_session',
        columns: [
          col.id(),
          col.str('user_id', 64),
          col.str('access_hash', 64),
          col.ms('access_expires_at'),
          col.str('refresh_hash', 64),
          col.ms('refresh_expires_at'),
          col.str('previous_refresh_hash', 64, true),
          col.ms('created_at'),
          col.ms('revoked_at', true),
          col.str('revoked_reason', 32, true),
        ],
        indices: [
          index('uq_member_session_access', ['access_hash'], true),
          index('uq_member_session_refresh', ['refresh_hash'], true),
          index('idx_member_session_previous', ['previous_refresh_hash']),
          index('idx_member_session_user', ['user_id']),
          index('idx_member_session_expires', ['refresh_expires_at']),
        ],
      }),
    );
    await q.dropTable('rep_session');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'rep_session',
        columns: [col.key('token_hash', 64), col.str('user_id', 64), col.ms('expires_at'), col.ms('created_at')],
        indices: [index('idx_rep_session_user', ['user_id']), index('idx_rep_session_expires', ['expires_at'])],
      }),
    );
    for (const table of ['member_session', 'store', 'member_managed_team', 'member_role', 'member']) await q.dropTable(table);
  }
}
