import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { col, index } from './columns';

/**
 * Lead lifecycle: scoring, assignment and the public pool, follow-ups and stages, web forms,
 * merges, rep sessions, scheduler leases and settings.
 */
export class LeadLifecycle1732300002000 implements MigrationInterface {
  name = 'LeadLifecycle1732300002000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('lead', [
      new TableColumn(col.str('email', 128, true)),
      new TableColumn(col.text('attributes', true)),
      new TableColumn(col.str('grade', 1, true)),
      new TableColumn(col.str('qualification', 8, false, 'none')),
      new TableColumn(col.text('score_breakdown', true)),
      new TableColumn(col.ms('scored_at', true)),
      new TableColumn(col.ms('hot_alerted_at', true)),
      new TableColumn(col.int('team_id', true)),
      new TableColumn(col.bool('in_pool')),
      new TableColumn(col.ms('pool_since', true)),
      new TableColumn(col.ms('assigned_at', true)),
      new TableColumn(col.ms('first_response_at', true)),
      new TableColumn(col.ms('last_follow_up_at', true)),
      new TableColumn(col.ms('stage_changed_at', true)),
      new TableColumn(col.ms('customer_since', true)),
      new TableColumn(col.int('merged_into_id', true)),
    ]);
    for (const i of [
      index('idx_lead_phone', ['phone']),
      index('idx_lead_email', ['email']),
      index('idx_lead_pool', ['in_pool', 'pool_since']),
    ]) {
      await q.createIndex('lead', new TableIndex(i));
    }
    await q.createTable(
      new Table({
        name: 'lead_activity',
        columns: [col.id(), col.int('lead_id'), col.str('kind', 64), col.str('value', 255, true), col.text('data', true), col.str('dedup_key', 191, true), col.ms('occurred_at')],
        indices: [index('idx_activity_lead', ['lead_id', 'occurred_at']), index('uq_activity_dedup', ['dedup_key'], true)],
      }),
    );
    await q.createTable(
      new Table({
        name: 'follow_up',
        columns: [
          col.id(),
          col.int('lead_id'),
          col.str('user_id', 64),
          col.str('kind', 16),
          col.str('outcome', 32, true),
          col.text('content', true),
          col.ms('next_step_at', true),
          col.str('next_step_note', 255, true),
          col.str('reminder_status', 8, false, 'none'),
          col.ms('created_at'),
        ],
        indices: [index('idx_follow_up_lead', ['lead_id', 'id']), index('idx_follow_up_reminder', ['reminder_status', 'next_step_at'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'team',
        columns: [col.id(), col.str('name', 64), col.int('max_active_leads', false, 200), col.int('follow_up_hours', true), col.int('daily_claim_limit', true), col.ms('created_at')],
        indices: [index('uq_team_name', ['name'], true)],
      }),
    );
    await q.createTable(
      new Table({
        name: 'team_member',
        columns: [col.id(), col.int('team_id'), col.str('user_id', 64), col.bool('active', true), col.ms('last_assigned_at', true)],
        indices: [index('uq_team_member', ['team_id', 'user_id'], true)],
      }),
    );
    await q.createTable(
      new Table({
        name: 'assignment_rule',
        columns: [col.id(), col.int('position'), col.str('name', 100), col.text('conditions'), col.int('team_id'), col.bool('enabled', true), col.ms('created_at')],
        indices: [index('idx_assignment_rule_position', ['position'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'lead_assignment',
        columns: [col.id(), col.int('lead_id'), col.str('kind', 16), col.str('from_user_id', 64, true), col.str('to_user_id', 64, true), col.int('team_id', true), col.str('reason', 255), col.ms('created_at')],
        indices: [index('idx_assignment_lead', ['lead_id', 'id']), index('idx_assignment_to_user', ['to_user_id', 'kind', 'created_at'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'scheduler_lease',
        columns: [{ ...col.str('name', 64), isPrimary: true }, { ...col.str('slot', 64), isPrimary: true }, col.str('owner', 64), col.ms('acquired_at')],
      }),
    );
    await q.createTable(new Table({ name: 'setting', columns: [col.key('key', 64), col.text('value'), col.ms('updated_at')] }));
    await q.createTable(
      new Table({
        name: 'form_submission',
        columns: [
          col.id(),
          col.int('lead_id'),
          col.text('fields'),
          col.str('utm_source', 128, true),
          col.str('utm_medium', 128, true),
          col.str('utm_campaign', 128, true),
          col.str('utm_term', 128, true),
          col.str('utm_content', 128, true),
          col.str('page_url', 512, true),
          col.str('referrer', 512, true),
          col.str('ip_hash', 64),
          col.ms('created_at'),
        ],
        indices: [index('idx_form_submission_lead', ['lead_id'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'rate_limit_window',
        columns: [{ ...col.str('key', 191), isPrimary: true }, { ...col.ms('window_start'), isPrimary: true }, col.int('count', false, 0)],
      }),
    );
    await q.createTable(
      new Table({
        name: 'lead_merge',
        columns: [col.id(), col.int('kept_lead_id'), col.int('merged_lead_id'), col.str('reason', 32), col.text('snapshot'), col.ms('created_at')],
        indices: [index('idx_lead_merge_kept', ['kept_lead_id'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'rep_session',
        columns: [col.key('token_hash', 64), col.str('user_id', 64), col.ms('expires_at'), col.ms('created_at')],
        indices: [index('idx_rep_session_user', ['user_id'])],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['rep_session', 'lead_merge', 'rate_limit_window', 'form_submission', 'setting', 'scheduler_lease', 'lead_assignment', 'assignment_rule', 'team_member', 'team', 'follow_up', 'lead_activity']) {
      await q.dropTable(table);
    }
    for (const name of ['idx_lead_phone', 'idx_lead_email', 'idx_lead_pool']) await q.dropIndex('lead', name);
    for (const c of ['email', 'attributes', 'grade', 'qualification', 'score_breakdown', 'scored_at', 'hot_alerted_at', 'team_id', 'in_pool', 'pool_since', 'assigned_at', 'first_response_at', 'last_follow_up_at', 'stage_changed_at', 'customer_since', 'merged_into_id']) {
      await q.dropColumn('lead', c);
    }
  }
}
