import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { col, index } from './columns';

/**
 * Issue 13, the chat archive: archived messages (`chat_message`), how far the archive has been
 * read (`archive_cursor`), customers' consent as WeCom last reported it (`archive_consent`), and
 * rep response times (`chat_waiting`, `chat_response`).
 */
export class ChatArchive1732300020000 implements MigrationInterface {
  name = 'ChatArchive1732300020000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'chat_message',
        columns: [
          col.id('id', true, q),
          col.str('msgid', 128),
          col.ms('seq'),
          col.str('msgtype', 32),
          col.str('sender_kind', 8),
          col.str('user_id', 64, true),
          col.str('external_user_id', 128, true),
          col.str('room_id', 128, true),
          col.int('lead_id', true),
          col.text('content', true),
          col.text('body', true),
          col.str('media_status', 16, true),
          col.str('media_key', 255, true),
          col.int('media_size', true),
          col.ms('recalled_at', true),
          col.ms('sent_at'),
          col.ms('stored_at'),
        ],
        indices: [
          index('uq_chat_message_msgid', ['msgid'], true),
          index('idx_chat_message_lead', ['lead_id', 'sent_at']),
          index('idx_chat_message_room', ['room_id', 'sent_at']),
          index('idx_chat_message_user', ['user_id', 'sent_at']),
          index('idx_chat_message_customer', ['external_user_id']),
          index('idx_chat_message_sent', ['sent_at']),
        ],
      }),
    );
    await q.createTable(new Table({ name: 'archive_cursor', columns: [col.key('name', 32), col.ms('seq'), col.ms('updated_at'), col.str('last_error', 500, true), col.ms('caught_up_at', true)] }));
    await q.createTable(
      new Table({
        name: 'archive_consent',
        columns: [col.key('user_id', 64), col.key('external_user_id', 128), col.str('status', 16), col.ms('changed_at'), col.ms('checked_at')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'chat_waiting',
        columns: [col.key('user_id', 64), { ...col.int('lead_id'), isPrimary: true }, col.ms('since'), col.str('msgid', 128), col.ms('alerted_at', true)],
        indices: [index('idx_chat_waiting_since', ['alerted_at', 'since'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'chat_response',
        columns: [
          col.id(),
          col.int('lead_id'),
          col.str('user_id', 64),
          col.str('msgid', 128),
          col.ms('waited_since'),
          col.ms('replied_at'),
          col.ms('response_ms'),
          col.bool('first'),
        ],
        indices: [
          index('uq_chat_response_msgid', ['msgid'], true),
          index('idx_chat_response_user', ['user_id', 'replied_at']),
          index('idx_chat_response_lead', ['lead_id', 'replied_at']),
        ],
      }),
    );
    // A customer merged into a lead that has an external_userid of its own keeps theirs here, so
    // their chats still find the lead (archive/ingest/land-messages.ts).
    await q.addColumn('lead_merge', new TableColumn(col.str('merged_external_user_id', 128, true)));
    await q.createIndex('lead_merge', new TableIndex(index('idx_lead_merge_external_user', ['merged_external_user_id'])));
    const merges: Array<{ id: number; snapshot: string }> = await q.query('SELECT id, snapshot FROM lead_merge');
    for (const merge of merges) {
      let externalUserId: unknown;
      try {
        externalUserId = (JSON.parse(merge.snapshot) as { lead?: { externalUserId?: unknown } }).lead?.externalUserId;
      } catch {
        continue;
      }
      if (typeof externalUserId === 'string' && externalUserId) await q.query('UPDATE lead_merge SET merged_external_user_id = ? WHERE id = ?', [externalUserId, merge.id]);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('lead_merge', 'idx_lead_merge_external_user');
    await q.dropColumn('lead_merge', 'merged_external_user_id');
    for (const table of ['chat_response', 'chat_waiting', 'archive_consent', 'archive_cursor', 'chat_message']) await q.dropTable(table);
  }
}
