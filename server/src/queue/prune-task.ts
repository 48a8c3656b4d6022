import type { ScheduledTask } from '../scheduler/scheduled-task';

/** Finished inbox events and jobs are kept this long (for support questions), then deleted. */
export const QUEUE_RETENTION_MS = 30 * 24 * 3600 * 1000;
const BATCH = 5000;

/**
 * Queue housekeeping: a viral campaign leaves hundreds of thousands of finished rows behind.
 * Dead letters are never pruned: an operator decides about them. Deletes go in batches so no
 * single statement holds locks for long.
 */
export const pruneQueuesTask: ScheduledTask = {
  name: 'queues.prune',
  cron: '41 3 * * *',
  async run(ctx, slotStartedAt) {
    const before = slotStartedAt - QUEUE_RETENTION_MS;
    let removed = 0;
    // An inbox row also carries its add's welcome: it stays while the welcome is open or dead.
    const tables = [
      { table: 'inbox_event', also: ` AND (welcome_status IS NULL OR welcome_status NOT IN ('pending', 'dead'))` },
      { table: 'job', also: '' },
    ];
    for (const { table, also } of tables) {
      for (;;) {
        const ids: Array<{ id: number | string }> = await ctx.dataSource.query(
          `SELECT id FROM ${table} WHERE status IN ('done', 'ignored', 'skipped') AND finished_at < ?${also} ORDER BY id LIMIT ${BATCH}`,
          [before],
        );
        if (ids.length === 0) break;
        await ctx.dataSource.query(`DELETE FROM ${table} WHERE id IN (${ids.map(() => '?').join(',')})`, ids.map((r) => Number(r.id)));
        removed += ids.length;
        if (ids.length < BATCH) break;
      }
    }
    if (removed) ctx.logger.info({ removed }, 'pruned finished queue rows');
  },
};
