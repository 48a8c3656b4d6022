import type { DataSource, EntityManager } from 'typeorm';
import { isMysql } from '../../db/data-source';

/**
 * Holds the reps' lock rows until the transaction ends, so a check of a rep's caps (active
 * leads, claims today) and the change it allows happen one at a time per rep, whichever team,
 * instance or pool claim is asking. Rows are locked in user id order, so two transactions
 * locking overlapping sets cannot deadlock. MySQL: the upsert takes the row locks directly (an
 * INSERT IGNORE + SELECT FOR UPDATE pair would take shared locks first and deadlock). SQLite:
 * the write takes the database write lock; within a process, transactions already run one at
 * a time.
 */
export async function lockReps(manager: EntityManager, userIds: string[]): Promise<void> {
  const ids = [...new Set(userIds)].sort();
  if (ids.length === 0) return;
  const now = Date.now();
  const values = ids.map(() => '(?, ?)').join(', ');
  const params = ids.flatMap((id) => [id, now]);
  if (isMysql(manager.connection)) {
    await manager.query(`INSERT INTO rep_lock (user_id, locked_at) VALUES ${values} ON DUPLICATE KEY UPDATE locked_at = VALUES(locked_at)`, params);
  } else {
    await manager.query(`INSERT INTO rep_lock (user_id, locked_at) VALUES ${values} ON CONFLICT (user_id) DO UPDATE SET locked_at = excluded.locked_at`, params);
  }
}

/**
 * A transaction for checking caps under rep locks. MySQL runs it READ COMMITTED: under the
 * default REPEATABLE READ, counts read after taking a lock would still come from the snapshot of
 * the transaction's first read, and miss what the previous lock holder committed.
 */
export function capCheckTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  return isMysql(dataSource) ? dataSource.transaction('READ COMMITTED', work) : dataSource.transaction(work);
}
