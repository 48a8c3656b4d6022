import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { col, index } from './columns';

/** Channels, corp tags, leads with their WeCom relations, tags and timeline, customer groups. */
export class LeadCapture1732300001000 implements MigrationInterface {
  name = 'LeadCapture1732300001000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'channel',
        columns: [
          col.id(),
          col.str('name', 100),
          col.str('state', 30),
          col.str('config_id', 128, true),
          col.str('qr_code', 512, true),
          col.text('user_ids'),
          col.text('tag_names'),
          col.text('welcome_text', true),
          col.text('welcome_miniprogram', true),
          col.ms('created_at'),
          col.ms('updated_at'),
          col.ms('deleted_at', true),
        ],
        indices: [index('uq_channel_state', ['state'], true)],
      }),
    );
    await q.createTable(
      new Table({
        name: 'corp_tag',
        columns: [
          col.key('id', 128),
          col.str('name', 64),
          col.str('group_id', 128),
          col.str('group_name', 64),
          col.bool('deleted'),
          col.ms('synced_at'),
        ],
        indices: [index('idx_corp_tag_name', ['name'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'lead',
        columns: [
          col.id(),
          col.str('external_user_id', 128, true),
          col.str('unionid', 128, true),
          col.str('name', 128, false, ''),
          col.str('avatar', 512, true),
          col.int('contact_type', true),
          col.int('gender', true),
          col.str('corp_name', 128, true),
          col.str('phone', 32, true),
          col.str('owner_user_id', 64, true),
          col.int('channel_id', true),
          col.str('source', 32),
          col.int('add_way', true),
          col.str('stage', 16, false, 'new'),
          col.int('score', false, 0),
          col.ms('created_at'),
          col.ms('updated_at'),
          col.ms('last_interaction_at', true),
        ],
        indices: [
          index('uq_lead_external_user', ['external_user_id'], true),
          index('idx_lead_owner', ['owner_user_id', 'id']),
          index('idx_lead_channel', ['channel_id', 'id']),
          index('idx_lead_unionid', ['unionid']),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'lead_relation',
        columns: [
          col.id(),
          col.int('lead_id'),
          col.str('user_id', 64),
          col.str('status', 16),
          col.str('state', 30, true),
          col.int('channel_id', true),
          col.int('add_way', true),
          col.str('remark', 64, true),
          col.str('lost_reason', 64, true),
          col.ms('added_at'),
          col.ms('lost_at', true),
        ],
        indices: [index('uq_relation_lead_user', ['lead_id', 'user_id'], true), index('idx_relation_user', ['user_id'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'lead_tag',
        columns: [col.id(), col.int('lead_id'), col.str('name', 64), col.str('tag_id', 128, true), col.str('source', 32), col.ms('created_at')],
        indices: [index('uq_lead_tag', ['lead_id', 'name'], true), index('idx_lead_tag_name', ['name', 'lead_id'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'timeline_entry',
        columns: [
          col.id(),
          col.int('lead_id'),
          col.str('kind', 64),
          col.str('summary', 500),
          col.text('data', true),
          col.str('dedup_key', 191, true),
          col.ms('occurred_at'),
        ],
        indices: [index('idx_timeline_lead', ['lead_id', 'id']), index('uq_timeline_dedup', ['dedup_key'], true)],
      }),
    );
    await q.createTable(
      new Table({
        name: 'group_chat',
        columns: [
          col.key('chat_id', 128),
          col.str('name', 128, false, ''),
          col.str('owner_user_id', 64, true),
          col.str('member_version', 64, true),
          col.str('status', 16),
          col.ms('created_at'),
          col.ms('updated_at'),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'group_member',
        columns: [
          col.id(),
          col.str('chat_id', 128),
          col.str('member_id', 128),
          col.int('member_type'),
          col.int('lead_id', true),
          col.str('join_scene', 16, true),
          col.ms('joined_at', true),
          col.ms('left_at', true),
        ],
        indices: [index('uq_group_member', ['chat_id', 'member_id'], true)],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['group_member', 'group_chat', 'timeline_entry', 'lead_tag', 'lead_relation', 'lead', 'corp_tag', 'channel']) {
      await q.dropTable(table);
    }
  }
}
