import { DataSource, EntityManager } from 'typeorm';

/**
 * A work queue kept in a database table, safe with several instances on one database and with
 * processes that die mid-task. A worker leases rows (lease_owner / lease_until); a lease that
 * runs out without the row being finished makes the row claimable again, so work is never lost,
 * and every finishing write checks the lease so a worker that lost its lease cannot overwrite
 * a newer result. Used by the callback inbox and by the WeCom side-effect jobs.
 *
 * Table columns: id, status ('pending' while open), attempts, available_at, lease_owner,
 * lease_until, last_error, finished_at, and optionally partition_key and priority.
 */
export interface LeasedQueueOptions {
  table: string;
  /** Rows with the same partition key are worked strictly one after another, in id order. */
  partitioned?: boolean;
  /** Lower priority value is claimed first. */
  prioritized?: boolean;
}

/** Extra claim condition (on alias `e`) and order; default order is priority (if any), then oldest first. */
export interface ClaimFilter {
  sql: string;
  /** A function when a parameter depends on the time of the claim. */
  params: unknown[] | (() => unknown[]);
  newestFirst?: boolean;
}

export interface Lease {
  id: number;
  owner: string;
  until: number;
}

export class LeasedQueue {
  private claimCounter = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: LeasedQueueOptions,
    /** Identifies this process; part of every lease it takes. */
    private readonly workerId: string,
  ) {}

  /**
   * Leases up to `limit` rows that are due. Returns their ids. Two workers never get the same row:
   * the UPDATE only succeeds on rows whose lease is free at that moment.
   */
  async claim(limit: number, leaseMs: number, filter?: ClaimFilter): Promise<Lease[]> {
    const now = Date.now();
    const t = this.options.table;
    const conditions = [`e.status = 'pending'`, `e.available_at <= ?`, `(e.lease_until IS NULL OR e.lease_until < ?)`];
    const params: unknown[] = [now, now];
    if (this.options.partitioned) {
      conditions.push(
        `NOT EXISTS (SELECT 1 FROM ${t} p WHERE p.partition_key = e.partition_key AND p.status = 'pending' AND p.id < e.id)`,
      );
    }
    if (filter) {
      conditions.push(filter.sql);
      params.push(...(typeof filter.params === 'function' ? filter.params() : filter.params));
    }
    const order = filter?.newestFirst ? 'e.id DESC' : this.options.prioritized ? 'e.priority, e.id' : 'e.id';
    const candidates: Array<{ id: number | string }> = await this.dataSource.query(
      `SELECT e.id FROM ${t} e WHERE ${conditions.join(' AND ')} ORDER BY ${order} LIMIT ${Math.floor(limit)}`,
      params,
    );
    if (candidates.length === 0) return [];
    const ids = candidates.map((c) => Number(c.id));
    const owner = `${this.workerId}:${++this.claimCounter}`;
    const until = now + leaseMs;
    await this.execute(
      `UPDATE ${t} SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
       WHERE id IN (${ids.map(() => '?').join(',')}) AND status = 'pending' AND (lease_until IS NULL OR lease_until < ?)`,
      [owner, until, ...ids, now],
    );
    const claimed: Array<{ id: number | string }> = await this.dataSource.query(
      `SELECT id FROM ${t} WHERE lease_owner = ? AND id IN (${ids.map(() => '?').join(',')}) ORDER BY id`,
      [owner, ...ids],
    );
    // In claim order (e.g. newest first), not the order the database returned them.
    const won = new Set(claimed.map((row) => Number(row.id)));
    return ids.filter((id) => won.has(id)).map((id) => ({ id, owner, until }));
  }

  /** Ends a row (done, ignored, skipped, dead…). False when the lease was lost meanwhile. */
  finish(lease: Lease, status: string, error: string | null = null, extra: Record<string, unknown> = {}): Promise<boolean> {
    return this.updateLeased(lease, { status, finished_at: Date.now(), last_error: error, lease_until: null, ...extra });
  }

  /**
   * Ends a row as dead, keeping `error`. `alongside` runs in the same transaction, only when the
   * lease was still ours (e.g. a note for the rep): no reader sees the row dead without it, and a
   * worker that lost the lease writes nothing.
   */
  async deadLetter(lease: Lease, error: string, alongside?: (manager: EntityManager) => Promise<void>): Promise<boolean> {
    if (!alongside) return this.finish(lease, 'dead', error);
    return this.dataSource.transaction(async (manager) => {
      const values: Record<string, unknown> = { status: 'dead', finished_at: Date.now(), last_error: error, lease_until: null };
      const columns = Object.keys(values);
      const result = await manager.queryRunner!.query(
        `UPDATE ${this.options.table} SET ${columns.map((c) => `${c} = ?`).join(', ')}
         WHERE id = ? AND lease_owner = ? AND status = 'pending'`,
        [...columns.map((c) => values[c]), lease.id, lease.owner],
        true,
      );
      if ((result.affected ?? 0) !== 1) return false;
      await alongside(manager);
      return true;
    });
  }

  /** Keeps a lease alive for another `leaseMs`. False when it was lost meanwhile. */
  async extend(lease: Lease, leaseMs: number): Promise<boolean> {
    const until = Date.now() + leaseMs;
    const kept = await this.updateLeased(lease, { lease_until: until });
    if (kept) lease.until = until;
    return kept;
  }

  /** Gives the row back, to be tried again at `availableAt`. */
  retryLater(lease: Lease, availableAt: number, error: string): Promise<boolean> {
    return this.updateLeased(lease, { available_at: availableAt, last_error: error, lease_until: null, lease_owner: null });
  }

  /**
   * Dead-letters up to `limit` open rows matching `where` that nobody holds, e.g. welcomes whose
   * code expired in a backlog: cheaper than claiming each only to find it is too late.
   * `alongside` runs in the same transaction (e.g. queueing a note for each), so no reader ever
   * sees the rows dead without it. Returns the ids it picked (another instance sweeping at the
   * same moment may have taken some).
   */
  async expireWhere(
    where: string,
    params: unknown[],
    reason: string,
    options: { limit?: number; alongside?: (ids: number[], manager: EntityManager) => Promise<void> } = {},
  ): Promise<number[]> {
    const now = Date.now();
    const open = `status = 'pending' AND (lease_until IS NULL OR lease_until < ?)`;
    const rows: Array<{ id: number | string }> = await this.dataSource.query(
      `SELECT id FROM ${this.options.table} WHERE ${open} AND ${where} LIMIT ${Math.floor(options.limit ?? 500)}`,
      [now, ...params],
    );
    const ids = rows.map((r) => Number(r.id));
    if (ids.length === 0) return [];
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `UPDATE ${this.options.table} SET status = 'dead', last_error = ?, finished_at = ?, lease_until = NULL
         WHERE id IN (${ids.map(() => '?').join(',')}) AND ${open}`,
        [reason, now, ...ids, now],
      );
      await options.alongside?.(ids, manager);
    });
    return ids;
  }

  /** Frees the leases an earlier life of this instance (same instance id) held when it died. */
  async releaseLeasesOf(workerIdPrefix: string): Promise<number> {
    // LIKE narrows the rows (literal prefix: INSTANCE_ID may contain '_' or '%'), but it ignores
    // case on SQLite and on MySQL's usual collations, so the exact prefix is checked here:
    // instance "Web-1" must not free the leases of a live "web-1".
    const literal = workerIdPrefix.replace(/[!%_]/g, (c) => `!${c}`);
    const rows: Array<{ id: number | string; lease_owner: string }> = await this.dataSource.query(
      `SELECT id, lease_owner FROM ${this.options.table} WHERE status = 'pending' AND lease_until IS NOT NULL AND lease_owner LIKE ? ESCAPE '!'`,
      [`${literal}%`],
    );
    const mine = rows.filter((r) => r.lease_owner.startsWith(workerIdPrefix));
    if (mine.length === 0) return 0;
    const ids = mine.map((r) => Number(r.id));
    const owners = [...new Set(mine.map((r) => r.lease_owner))];
    // The owner is checked again: a lease of the dead run that expired meanwhile may have been
    // claimed by a live instance, whose lease must stay.
    return this.execute(
      `UPDATE ${this.options.table} SET lease_until = NULL
       WHERE id IN (${ids.map(() => '?').join(',')}) AND status = 'pending' AND lease_owner IN (${owners.map(() => '?').join(',')})`,
      [...ids, ...owners],
    );
  }

  private updateLeased(lease: Lease, values: Record<string, unknown>): Promise<boolean> {
    const columns = Object.keys(values);
    return this.execute(
      `UPDATE ${this.options.table} SET ${columns.map((c) => `${c} = ?`).join(', ')}
       WHERE id = ? AND lease_owner = ? AND status = 'pending'`,
      [...columns.map((c) => values[c]), lease.id, lease.owner],
    ).then((affected) => affected === 1);
  }

  private async execute(sql: string, params: unknown[]): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const result = await runner.query(sql, params, true);
      return result.affected ?? 0;
    } finally {
      await runner.release();
    }
  }
}
