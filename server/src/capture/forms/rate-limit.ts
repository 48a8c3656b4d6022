import { LessThan, type DataSource } from 'typeorm';
import { RateLimiterMySQL, RateLimiterRes, RateLimiterSQLite, type RateLimiterStoreAbstract } from 'rate-limiter-flexible';
import { isMysql } from '../../db/data-source';
import { FormRateLimit } from './form-rate-limit.entity';
import type { FormsConfig, RateLimitWindowConfig } from './forms-config';

export type RateLimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number; limit: 'perIp' | 'perIpAndForm' };

const TABLE = 'form_rate_limit';
/** Expired rows are deleted at most this often per process; they only matter while current. */
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * The web-form limits, counted with rate-limiter-flexible in the service's own database (the
 * form_rate_limit table), so every instance on one MySQL shares the same counts and a restart
 * forgets nothing. Two limits apply to each submission: the address's limit on this form, then
 * its budget across all forms. A key over its limit is also blocked in this process's
 * memory until its window ends, so a flood from one address costs no further queries here.
 */
export class FormRateLimiter {
  private readonly perIp: RateLimiterStoreAbstract;
  private readonly perIpAndForm: RateLimiterStoreAbstract;
  private lastPrune = 0;

  constructor(
    private readonly dataSource: DataSource,
    limits: FormsConfig['rateLimit'],
    /** Keeps another use of the same machinery (rep sign-in) out of the forms' counts. */
    namespace = 'form',
  ) {
    this.perIp = this.store(`${namespace}-ip`, limits.perIp);
    this.perIpAndForm = this.store(namespace, limits.perIpAndForm);
  }

  private store(keyPrefix: string, limit: RateLimitWindowConfig): RateLimiterStoreAbstract {
    const common = {
      keyPrefix,
      points: limit.points,
      duration: limit.windowSeconds,
      // Block in memory once over the limit, for the rest of the window (duration 0 = until
      // the stored window ends).
      inMemoryBlockOnConsumed: limit.points + 1,
      tableName: TABLE,
      // The migration made the table; the library must not try CREATE DATABASE/TABLE.
      tableCreated: true,
      // Its timer would run DELETEs outside our SQLite connection discipline, and an error in
      // its SQLite variant would be an unhandled rejection: expired rows are pruned below.
      clearExpiredByTimeout: false,
    };
    const driver = this.dataSource.driver as unknown as { pool?: unknown; databaseConnection?: unknown };
    if (isMysql(this.dataSource)) {
      // TypeORM's mysql2 pool (callback API), which is what the library's 'pool' store type uses.
      return new RateLimiterMySQL({ ...common, storeClient: driver.pool, storeType: 'pool', dbName: String(this.dataSource.options.database) });
    }
    return new RateLimiterSQLite({ ...common, storeClient: driver.databaseConnection, storeType: 'better-sqlite3' });
  }

  /** Counts one submission by `subject` (a hashed client address) to `formKey`. */
  async hit(subject: string, formKey: string): Promise<RateLimitVerdict> {
    // The form's limit first: a repeat it refuses does not spend the address's budget.
    const perForm = await this.consume(this.perIpAndForm, `${formKey}:${subject}`);
    if (perForm) return { allowed: false, retryAfterSeconds: perForm, limit: 'perIpAndForm' };
    const perIp = await this.consume(this.perIp, subject);
    if (perIp) return { allowed: false, retryAfterSeconds: perIp, limit: 'perIp' };
    this.pruneNowAndThen();
    return { allowed: true };
  }

  /** 0 when allowed, else the seconds until the key's window ends. Store errors are thrown. */
  private async consume(limiter: RateLimiterStoreAbstract, key: string): Promise<number> {
    // The library rejects with a RateLimiterRes when over the limit: an answer, not an error
    // (and on SQLite it must not roll back the transaction below, or the hit would not count).
    const attempt = () =>
      limiter.consume(key).then(
        () => 0,
        (outcome: unknown) => {
          if (outcome instanceof RateLimiterRes) return Math.max(1, Math.ceil(outcome.msBeforeNext / 1000));
          throw outcome;
        },
      );
    // SQLite: TypeORM shares one connection in the process, and a plain statement issued while
    // another task's transaction is open would join it (db/sqlite-serial.ts). Running inside a
    // TypeORM transaction waits for the connection's turn; the library's own transaction then
    // becomes a savepoint in it. MySQL: the library takes its own connection from the pool.
    return isMysql(this.dataSource) ? attempt() : this.dataSource.transaction(attempt);
  }

  private pruneNowAndThen(now = Date.now()): void {
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    // Best effort, in the background: a failed prune only leaves rows for the next one.
    void this.dataSource
      .getRepository(FormRateLimit)
      .delete({ expire: LessThan(now) })
      .catch(() => undefined);
  }
}
