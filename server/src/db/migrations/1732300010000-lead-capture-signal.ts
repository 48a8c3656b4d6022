import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { col } from './columns';

/**
 * The behaviour signal of the capture that created a lead (channel, group_join, form_submit,
 * import) is written by the lead's INSERT, as JSON in lead.capture_signal, instead of as a
 * lead_activity row of its own: one statement less per new lead. Scoring counts it as one more
 * activity (leads/scoring/write-scores.ts); a merge turns it into an activity of the kept lead.
 * Existing leads keep their signals in lead_activity: nothing to move.
 */
export class LeadCaptureSignal1732300010000 implements MigrationInterface {
  name = 'LeadCaptureSignal1732300010000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('lead', new TableColumn(col.text('capture_signal', true)));
  }

  async down(q: QueryRunner): Promise<void> {
    // The signals go back to lead_activity first, so that rolling back loses no score.
    const leads: Array<{ id: number | string; capture_signal: string }> = await q.query(
      'SELECT id, capture_signal FROM lead WHERE capture_signal IS NOT NULL',
    );
    const ignore = q.connection.options.type === 'better-sqlite3' ? 'INSERT OR IGNORE' : 'INSERT IGNORE';
    for (const lead of leads) {
      const signal = JSON.parse(lead.capture_signal) as { kind: string; value: string | null; data: unknown; dedupKey: string | null; occurredAt: number } | null;
      if (!signal) continue;
      await q.query(`${ignore} INTO lead_activity (lead_id, kind, value, data, dedup_key, occurred_at) VALUES (?, ?, ?, ?, ?, ?)`, [
        Number(lead.id),
        signal.kind,
        signal.value,
        JSON.stringify(signal.data ?? null),
        signal.dedupKey,
        signal.occurredAt,
      ]);
    }
    await q.dropColumn('lead', 'capture_signal');
  }
}
