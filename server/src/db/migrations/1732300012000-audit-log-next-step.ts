import { MigrationInterface, QueryRunner, Table, TableColumn } from 'typeorm';
import { col, index } from './columns';

/**
 * Issue 10, the mini-program's lead features:
 * - `audit_log`: every phone reveal and export, written with the act (audit/audit-log.entity.ts);
 * - `lead.next_step_at`: the next step planned in the lead's latest follow-up, which reps sort
 *   their leads by. Filled here for open leads from their latest follow-up. No index: a rep's
 *   own leads are few enough to sort as read, and the column changes with every follow-up.
 */
export class AuditLogNextStep1732300012000 implements MigrationInterface {
  name = 'AuditLogNextStep1732300012000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'audit_log',
        columns: [
          col.id(),
          col.str('action', 32),
          col.str('actor_user_id', 64),
          col.int('lead_id', true),
          col.str('lead_owner_user_id', 64, true),
          col.str('purpose', 200),
          col.text('detail', true),
          col.ms('at'),
        ],
        indices: [
          index('idx_audit_at', ['at', 'id']),
          index('idx_audit_actor', ['actor_user_id', 'id']),
          index('idx_audit_owner', ['lead_owner_user_id', 'id']),
          index('idx_audit_lead', ['lead_id', 'id']),
        ],
      }),
    );
    await q.addColumn('lead', new TableColumn(col.ms('next_step_at', true)));
    // `lead` is quoted: a reserved word on MySQL 8; SQLite takes backticks too.
    await q.query(
      `UPDATE \`lead\` SET next_step_at = (SELECT f.next_step_at FROM follow_up f WHERE f.lead_id = \`lead\`.id ORDER BY f.id DESC LIMIT 1)
       WHERE stage NOT IN ('won', 'lost') AND EXISTS (SELECT 1 FROM follow_up f2 WHERE f2.lead_id = \`lead\`.id AND f2.next_step_at IS NOT NULL)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('lead', 'next_step_at');
    await q.dropTable('audit_log');
  }
}
