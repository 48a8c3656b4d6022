import type { DataSource } from 'typeorm';
import type { Job } from '../../src/jobs/job.entity';
import { WELCOME_SELECT, welcomeFromRow } from '../../src/inbox/welcome-queue';

/**
 * A welcome as the welcome lane sees it: it lives on its add's inbox row (welcome_* columns,
 * inbox/welcome-queue.ts) and reads like the job it used to be (status, attempts, lastError,
 * payload.mayHaveSentAt). Found by its code.
 */
export async function welcomeOf(dataSource: DataSource, code: string): Promise<Job> {
  const rows: Array<Record<string, unknown>> = await dataSource.query(`SELECT ${WELCOME_SELECT.join(', ')} FROM inbox_event WHERE welcome_code = ?`, [code]);
  if (rows.length !== 1) throw new Error(`expected one welcome with code ${code}, found ${rows.length}`);
  return welcomeFromRow(rows[0]);
}

/** Skips a welcome's retry wait. */
export function makeWelcomeDue(dataSource: DataSource, code: string): Promise<unknown> {
  return dataSource.query(`UPDATE inbox_event SET welcome_available_at = 0 WHERE welcome_code = ?`, [code]);
}
