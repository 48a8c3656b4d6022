import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource } from 'typeorm';

/**
 * TypeORM's better-sqlite3 driver gives every caller in the process ONE connection. Two
 * transactions that overlap in time would therefore nest as savepoints of each other (a rollback
 * of one undoing the other's work), and a plain statement issued while another task's transaction
 * is open would silently become part of it. This makes the connection behave like a pool of one:
 * a transaction holds it until it commits or rolls back, and every other statement waits its turn.
 * Code running inside the transaction (tracked with AsyncLocalStorage) passes straight through.
 * Work marked urgent (the callback intake, which WeCom times at 5 s) goes ahead of the queue.
 * MySQL needs none of this: it has a real pool.
 */
class PriorityMutex {
  private locked = false;
  private readonly urgent: Array<() => void> = [];
  private readonly normal: Array<() => void> = [];

  async run<T>(task: () => Promise<T>, isUrgent: boolean): Promise<T> {
    if (this.locked) await new Promise<void>((resolve) => (isUrgent ? this.urgent : this.normal).push(resolve));
    else this.locked = true;
    try {
      return await task();
    } finally {
      const next = this.urgent.shift() ?? this.normal.shift();
      if (next) next();
      else this.locked = false;
    }
  }
}

const insideTransaction = new AsyncLocalStorage<true>();
const urgentWork = new AsyncLocalStorage<true>();
/**
 * AsyncLocalStorage.run switches on promise hooks for the whole process, which costs every
 * promise some CPU (measured: callback acks on MySQL saturated at ~500/s instead of ~540/s with
 * a p99 of seconds). So it is only used where the serialisation below is installed.
 */
let serializing = false;

/** Runs `work` ahead of queued background database work (SQLite only; elsewhere a plain call). */
export function asUrgentDatabaseWork<T>(work: () => Promise<T>): Promise<T> {
  return serializing ? urgentWork.run(true, work) : work();
}

export function serializeSqliteAccess(dataSource: DataSource): void {
  serializing = true;
  const mutex = new PriorityMutex();
  const manager = dataSource.manager;
  const transaction = manager.transaction.bind(manager) as (...args: unknown[]) => Promise<unknown>;
  manager.transaction = ((...args: unknown[]) =>
    insideTransaction.getStore()
      ? transaction(...args)
      : mutex.run(() => insideTransaction.run(true, () => transaction(...args)), urgentWork.getStore() === true)) as typeof manager.transaction;

  const runner = dataSource.driver.createQueryRunner('master');
  const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
  runner.query = ((...args: unknown[]) =>
    insideTransaction.getStore() ? query(...args) : mutex.run(() => query(...args), urgentWork.getStore() === true)) as typeof runner.query;
}

/**
 * Runs `work` as if started from outside any transaction or urgent work (SQLite: what it then
 * sends waits its turn like everyone's). For work started from inside a transaction's code that
 * must not become part of it, e.g. a job handed to a local worker as its transaction commits.
 */
export function detachedFromDatabaseWork<T>(work: () => T): T {
  return serializing ? insideTransaction.exit(() => urgentWork.exit(work)) : work();
}
