import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';
import { col, index } from './columns';

const WELCOME_COLUMNS = [
  col.str('welcome_code', 256, true),
  col.str('welcome_status', 16, true),
  col.int('welcome_attempts', false, 0),
  col.ms('welcome_available_at', true),
  col.ms('welcome_deadline_at', true),
  col.str('welcome_lease_owner', 64, true),
  col.ms('welcome_lease_until', true),
  col.text('welcome_last_error', true),
  col.ms('welcome_finished_at', true),
  col.ms('welcome_may_have_sent_at', true),
];

/**
 * The welcome message moves onto its add's inbox row (welcome_* columns, inbox/welcome-queue.ts),
 * so callback intake is one INSERT instead of a transaction with two. Its own claim index,
 * (welcome_status, welcome_deadline_at), read newest code first.
 *
 * Welcome jobs still open are moved onto their inbox rows, so none is stranded. Instances of the
 * previous version should be stopped first: a welcome job one of them writes afterwards is served
 * only by such an instance (the general lane leaves kind 'welcome' alone).
 */
export class WelcomeOnInbox1732300007100 implements MigrationInterface {
  name = 'WelcomeOnInbox1732300007100';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('inbox_event', WELCOME_COLUMNS.map((c) => new TableColumn(c)));
    await q.createIndex('inbox_event', new TableIndex(index('idx_inbox_welcome_open', ['welcome_status', 'welcome_deadline_at'])));
    await moveOpenWelcomeJobs(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('inbox_event', 'idx_inbox_welcome_open');
    for (const c of [...WELCOME_COLUMNS].reverse()) await q.dropColumn('inbox_event', c.name);
  }
}

/** Open welcome jobs (a handful at most: a code lives 20 s) go onto the add's inbox row. */
async function moveOpenWelcomeJobs(q: QueryRunner): Promise<void> {
  const jobs: Array<{ id: number | string; payload: string; attempts: number | string; available_at: number | string; deadline_at: number | string | null; last_error: string | null }> =
    await q.query(`SELECT id, payload, attempts, available_at, deadline_at, last_error FROM job WHERE kind = 'welcome' AND status = 'pending'`);
  const now = Date.now();
  for (const job of jobs) {
    const payload = JSON.parse(job.payload) as { welcomeCode?: string; externalUserId?: string; mayHaveSentAt?: number | null };
    const candidates: Array<{ id: number | string; payload: string }> = await q.query(
      `SELECT id, payload FROM inbox_event WHERE partition_key = ? AND kind = 'contact.added' AND welcome_status IS NULL`,
      [`contact:${payload.externalUserId ?? ''}`],
    );
    const row = candidates.find((c) => (JSON.parse(c.payload) as { welcomeCode?: string }).welcomeCode === payload.welcomeCode);
    if (!row) {
      await q.query(`UPDATE job SET status = 'dead', last_error = ?, finished_at = ?, lease_until = NULL WHERE id = ?`, [
        'welcome job not moved to the inbox: its inbox row is gone',
        now,
        job.id,
      ]);
      continue;
    }
    await q.query(
      `UPDATE inbox_event SET welcome_code = ?, welcome_status = 'pending', welcome_attempts = ?, welcome_available_at = ?, welcome_deadline_at = ?,
         welcome_last_error = ?, welcome_may_have_sent_at = ? WHERE id = ?`,
      [payload.welcomeCode, Number(job.attempts), Number(job.available_at), job.deadline_at === null ? null : Number(job.deadline_at), job.last_error, payload.mayHaveSentAt ?? null, row.id],
    );
    await q.query(`UPDATE job SET status = 'skipped', last_error = ?, finished_at = ?, lease_until = NULL WHERE id = ?`, [
      `moved to inbox_event ${row.id} (welcome_* columns)`,
      now,
      job.id,
    ]);
  }
}
