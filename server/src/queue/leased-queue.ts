import { DataSource, EntityManager } from 'typeorm';
import { isMysql } from '../db/data-source';

/**
 * A work queue kept in a database table, safe with several instances on one database and with
 * processes that die mid-task. A worker leases rows (lease_owner / lease_until); a lease that
 * runs out without the row being finished makes the row claimable again, so work is never lost,
 * and every finishing write checks the lease so a worker that lost its lease cannot overwrite
 * a newer result. Used by the callback inbox, the welcome on each inbox row, and the WeCom
 * side-effect jobs.
 *
 * Table columns: id, status ('pending' while open), attempts, available_at, lease_owner,
 * lease_until, last_error, finished_at (names can be mapped, see QueueColumns), and optionally
 * partition_key and priority.
 *
 * Cost per batch (the point of this file, see docs/benchmarks.md "Engine"): a claim is two
 * statements and the rows come with it, so no separate load (one statement when nothing is due).
 * Completions of rows that finish close together are written by one UPDATE.
 */
export interface QueueColumns {
  status: string;
  attempts: string;
  availableAt: string;
  leaseOwner: string;
  leaseUntil: string;
  lastError: string;
  finishedAt: string;
}

const DEFAULT_COLUMNS: QueueColumns = {
  status: 'status',
  attempts: 'attempts',
  availableAt: 'available_at',
  leaseOwner: 'lease_owner',
  leaseUntil: 'lease_until',
  lastError: 'last_error',
  finishedAt: 'finished_at',
};

export interface LeasedQueueOptions {
  table: string;
  /** Rows with the same partition key are worked strictly one after another, in id order. */
  partitioned?: boolean;
  /** Lower priority value is claimed first. */
  prioritized?: boolean;
  /** The bookkeeping columns, where they are not the defaults (e.g. the welcome's on an inbox row). */
  columns?: Partial<QueueColumns>;
  /** The columns a claim loads with its rows (default all): leave out what no handler reads. */
  select?: string[];
  /** Epoch ms; tests inject a clock to move past leases and backoffs without sleeping. */
  clock?: () => number;
}

/** One sort key of a claim: a column of alias `e`, and whether higher values come first. */
export type ClaimOrder = Array<{ column: string; desc?: boolean }>;

/** Extra claim condition (on alias `e`) and order; default order is priority (if any), then oldest first. */
export interface ClaimFilter {
  sql: string;
  /** A function when a parameter depends on the time of the claim. */
  params: unknown[] | (() => unknown[]);
  order?: ClaimOrder;
}

export interface Lease {
  id: number;
  owner: string;
  until: number;
}

/** A claimed row as the database returned it (snake_case columns), with its lease. */
export interface Claimed {
  lease: Lease;
  raw: Record<string, unknown>;
}

/** One finished row for finishMany. */
export interface Completion {
  lease: Lease;
  status: string;
}

export class LeasedQueue {
  private claimCounter = 0;
  readonly columns: QueueColumns;
  private readonly mysql: boolean;
  readonly now: () => number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: LeasedQueueOptions,
    /** Identifies this process; part of every lease it takes. */
    private readonly workerId: string,
  ) {
    this.columns = { ...DEFAULT_COLUMNS, ...options.columns };
    this.mysql = isMysql(dataSource);
    this.now = options.clock ?? Date.now;
  }

  get table(): string {
    return this.options.table;
  }

  /** Whether finishing a row can make another (the next of its partition) claimable. */
  get partitioned(): boolean {
    return this.options.partitioned === true;
  }

  /**
   * The table for an UPDATE of rows by id. MySQL: by the primary key, always. Given
   * `id IN (…) AND status = 'pending'`, MariaDB picks the inbox's (status, id) index, and an UPDATE
   * through a secondary index under REPEATABLE READ takes next-key locks: the gap after the last
   * row, where intake INSERTs the next event when the queue is nearly empty, stays locked until
   * the UPDATE commits, and every callback in that moment waits for it. Primary-key lookups lock
   * only the rows.
   */
  private get updateTarget(): string {
    return this.mysql ? `${this.options.table} FORCE INDEX (PRIMARY)` : this.options.table;
  }

  /**
   * Leases up to `limit` rows that are due and returns them, loaded, in claim order. Two workers
   * never get the same row: the UPDATE only takes rows whose lease is free at that moment.
   *
   * SQLite: a SELECT of the candidate ids, then UPDATE … WHERE id IN (them) AND still free
   * RETURNING the rows, so what comes back is exactly what this claim won, as written. Not one
   * UPDATE with the search as its subquery: that takes the database's write lock even when
   * nothing is due, so every idle poll would be a write, and while another process holds the lock
   * (a second process on the file, the outage fault test) each one freezes this process for up to
   * busy_timeout. An idle poll is one read.
   *
   * MySQL/MariaDB (MariaDB 10.11 has no UPDATE … RETURNING): a plain SELECT of the candidate rows,
   * then an UPDATE by primary key that re-checks each row is still free, due, and unchanged since
   * it was read (its attempts: every claim adds one, and only a holder of a claim changes a row).
   * The SELECT is a consistent read and the UPDATE locks only those primary-key records: no gap
   * locks, so a claim never makes callback intake wait. `UPDATE … ORDER BY … LIMIT` would need
   * neither the re-check nor the SELECT, but under REPEATABLE READ it locks every index record it
   * scans and the gap after the last, which is exactly where intake inserts the next row; and the
   * inbox's partition condition reads the same table, which MySQL refuses in an UPDATE (1093).
   * Only when another instance took some of the same rows between the two statements does a
   * third (a primary-key lookup) tell which ones are ours.
   */
  async claim(limit: number, leaseMs: number, filter?: ClaimFilter): Promise<Claimed[]> {
    const now = this.now();
    const t = this.options.table;
    const c = this.columns;
    const conditions = [`e.${c.status} = 'pending'`, `e.${c.availableAt} <= ?`, `(e.${c.leaseUntil} IS NULL OR e.${c.leaseUntil} < ?)`];
    const params: unknown[] = [now, now];
    if (this.options.partitioned) {
      conditions.push(
        `NOT EXISTS (SELECT 1 FROM ${t} p WHERE p.partition_key = e.partition_key AND p.${c.status} = 'pending' AND p.id < e.id)`,
      );
    }
    if (filter) {
      conditions.push(filter.sql);
      params.push(...(typeof filter.params === 'function' ? filter.params() : filter.params));
    }
    const order: ClaimOrder = filter?.order ?? (this.options.prioritized ? [{ column: 'priority' }, { column: 'id' }] : [{ column: 'id' }]);
    const orderSql = order.map((o) => `e.${o.column}${o.desc ? ' DESC' : ''}`).join(', ');
    const n = Math.floor(limit);
    if (n <= 0) return [];
    const owner = `${this.workerId}:${++this.claimCounter}`;
    const until = now + leaseMs;
    // The order's columns come back too: SQLite's rows are sorted by them below.
    const columns = this.options.select ? [...new Set([...this.options.select, ...order.map((o) => o.column)])] : null;
    const candidates = `SELECT e.id FROM ${t} e WHERE ${conditions.join(' AND ')} ORDER BY ${orderSql} LIMIT ${n}`;

    if (!this.mysql) {
      const found: Array<{ id: number | string }> = await this.dataSource.query(candidates, params);
      if (found.length === 0) return [];
      const rows: Array<Record<string, unknown>> = await this.dataSource.query(
        `UPDATE ${this.updateTarget} SET ${c.leaseOwner} = ?, ${c.leaseUntil} = ?, ${c.attempts} = ${c.attempts} + 1
         WHERE id IN (${found.map(() => '?').join(',')}) AND ${c.status} = 'pending' AND ${c.availableAt} <= ? AND (${c.leaseUntil} IS NULL OR ${c.leaseUntil} < ?)
         RETURNING ${columns?.join(', ') ?? '*'}`,
        [owner, until, ...found.map((r) => Number(r.id)), now, now],
      );
      // RETURNING gives no order: put them back in claim order.
      rows.sort(compareBy(order));
      return rows.map((raw) => ({ lease: { id: Number(raw.id), owner, until }, raw }));
    }

    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${columns?.map((col) => `e.${col}`).join(', ') ?? 'e.*'}, e.${c.attempts} AS q_attempts
       FROM ${t} e WHERE ${conditions.join(' AND ')} ORDER BY ${orderSql} LIMIT ${n}`,
      params,
    );
    if (rows.length === 0) return [];
    const ids = rows.map((r) => Number(r.id));
    const marks = ids.map(() => '?').join(',');
    const affected = await this.execute(
      `UPDATE ${this.updateTarget} SET ${c.leaseOwner} = ?, ${c.leaseUntil} = ?, ${c.attempts} = ${c.attempts} + 1
       WHERE id IN (${marks}) AND ${c.status} = 'pending' AND ${c.availableAt} <= ? AND (${c.leaseUntil} IS NULL OR ${c.leaseUntil} < ?)
         AND ${c.attempts} = CASE id ${ids.map(() => 'WHEN ? THEN ?').join(' ')} END`,
      [owner, until, ...ids, now, now, ...rows.flatMap((r) => [Number(r.id), Number(r.q_attempts)])],
    );
    let won: Set<number> | null = null;
    if (affected < rows.length) {
      const mine: Array<{ id: number | string }> = await this.dataSource.query(`SELECT id FROM ${t} WHERE id IN (${marks}) AND ${c.leaseOwner} = ?`, [...ids, owner]);
      won = new Set(mine.map((r) => Number(r.id)));
    }
    const claimed: Claimed[] = [];
    for (const raw of rows) {
      const id = Number(raw.id);
      if (won && !won.has(id)) continue;
      // As the UPDATE left them.
      raw[c.attempts] = Number(raw.q_attempts) + 1;
      raw[c.leaseOwner] = owner;
      raw[c.leaseUntil] = until;
      delete raw.q_attempts;
      claimed.push({ lease: { id, owner, until }, raw });
    }
    return claimed;
  }

  /**
   * A lease for a row this process is about to write itself, already leased (a local hand-off,
   * QueueWorker.reserve): the owner is unique like a claim's, so everything that checks a lease
   * treats the row as claimed by this worker.
   */
  newLease(leaseMs: number): { owner: string; until: number } {
    return { owner: `${this.workerId}:${++this.claimCounter}`, until: this.now() + leaseMs };
  }

  /** Ends a row (done, ignored, skipped…). False when the lease was lost meanwhile. */
  async finish(lease: Lease, status: string, error: string | null = null): Promise<boolean> {
    const c = this.columns;
    return this.updateLeased(lease, { [c.status]: status, [c.finishedAt]: this.now(), [c.lastError]: error, [c.leaseUntil]: null });
  }

  /**
   * Ends several rows in one statement, each with its own status, each only if its lease is
   * still the one given: a row whose lease was lost keeps what its new holder writes. Returns how
   * many were written.
   */
  async finishMany(completions: Completion[]): Promise<number> {
    if (completions.length === 0) return 0;
    const ids = completions.map((x) => x.lease.id);
    if (completions.length === 1 || new Set(ids).size < ids.length) {
      // One row twice (its lease ran out and this worker took it again while the first run still
      // went on): a CASE would check only the first lease. Rare; row by row.
      let written = 0;
      for (const x of completions) if (await this.finish(x.lease, x.status)) written++;
      return written;
    }
    const c = this.columns;
    const statuses = new Set(completions.map((x) => x.status));
    const owners = new Set(completions.map((x) => x.lease.owner));
    const params: unknown[] = [];
    let statusSql: string;
    if (statuses.size === 1) {
      statusSql = '?';
      params.push(completions[0].status);
    } else {
      statusSql = `CASE id ${completions.map(() => 'WHEN ? THEN ?').join(' ')} END`;
      for (const x of completions) params.push(x.lease.id, x.status);
    }
    params.push(this.now(), ...ids);
    let ownerSql: string;
    if (owners.size === 1) {
      ownerSql = '?';
      params.push(completions[0].lease.owner);
    } else {
      ownerSql = `CASE id ${completions.map(() => 'WHEN ? THEN ?').join(' ')} END`;
      for (const x of completions) params.push(x.lease.id, x.lease.owner);
    }
    return this.execute(
      `UPDATE ${this.updateTarget} SET ${c.status} = ${statusSql}, ${c.finishedAt} = ?, ${c.lastError} = NULL, ${c.leaseUntil} = NULL
       WHERE id IN (${ids.map(() => '?').join(',')}) AND ${c.status} = 'pending' AND ${c.leaseOwner} = ${ownerSql}`,
      params,
    );
  }

  /**
   * Ends a row as dead, keeping `error`. `alongside` runs in the same transaction, only when the
   * lease was still ours (e.g. a note for the rep): no reader sees the row dead without it, and a
   * worker that lost the lease writes nothing.
   */
  async deadLetter(lease: Lease, error: string, alongside?: (manager: EntityManager) => Promise<void>): Promise<boolean> {
    if (!alongside) return this.finish(lease, 'dead', error);
    const c = this.columns;
    return this.dataSource.transaction(async (manager) => {
      const result = await manager.queryRunner!.query(
        `UPDATE ${this.updateTarget} SET ${c.status} = 'dead', ${c.finishedAt} = ?, ${c.lastError} = ?, ${c.leaseUntil} = NULL
         WHERE id = ? AND ${c.leaseOwner} = ? AND ${c.status} = 'pending'`,
        [this.now(), error, lease.id, lease.owner],
        true,
      );
      if ((result.affected ?? 0) !== 1) return false;
      await alongside(manager);
      return true;
    });
  }

  /** Keeps a lease alive for another `leaseMs`. False when it was lost meanwhile. */
  async extend(lease: Lease, leaseMs: number): Promise<boolean> {
    const until = this.now() + leaseMs;
    const kept = await this.updateLeased(lease, { [this.columns.leaseUntil]: until });
    if (kept) lease.until = until;
    return kept;
  }

  /** Gives the row back, to be tried again at `availableAt`. */
  retryLater(lease: Lease, availableAt: number, error: string): Promise<boolean> {
    const c = this.columns;
    return this.updateLeased(lease, { [c.availableAt]: availableAt, [c.lastError]: error, [c.leaseUntil]: null, [c.leaseOwner]: null });
  }

  /**
   * Dead-letters up to `limit` open rows matching `where` that nobody holds, e.g. welcomes whose
   * code expired in a backlog: cheaper than claiming each only to find it is too late.
   * `alongside` runs in the same transaction with the rows (loaded as a claim loads them, e.g.
   * to queue a note for each), so no reader ever sees the rows dead without it. Returns the ids
   * it picked (another instance sweeping at the same moment may have taken some).
   */
  async expireWhere(
    where: string,
    params: unknown[],
    reason: string,
    options: { limit?: number; alongside?: (rows: Array<Record<string, unknown>>, manager: EntityManager) => Promise<void> } = {},
  ): Promise<number[]> {
    const now = this.now();
    const c = this.columns;
    const open = `${c.status} = 'pending' AND (${c.leaseUntil} IS NULL OR ${c.leaseUntil} < ?)`;
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${this.options.select?.join(', ') ?? '*'} FROM ${this.options.table} WHERE ${open} AND ${where} LIMIT ${Math.floor(options.limit ?? 500)}`,
      [now, ...params],
    );
    const ids = rows.map((r) => Number(r.id));
    if (ids.length === 0) return [];
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `UPDATE ${this.updateTarget} SET ${c.status} = 'dead', ${c.lastError} = ?, ${c.finishedAt} = ?, ${c.leaseUntil} = NULL
         WHERE id IN (${ids.map(() => '?').join(',')}) AND ${open}`,
        [reason, now, ...ids, now],
      );
      await options.alongside?.(rows, manager);
    });
    return ids;
  }

  /** Frees the leases an earlier life of this instance (same instance id) held when it died. */
  async releaseLeasesOf(workerIdPrefix: string): Promise<number> {
    const c = this.columns;
    // LIKE narrows the rows (literal prefix: INSTANCE_ID may contain '_' or '%'), but it ignores
    // case on SQLite and on MySQL's usual collations, so the exact prefix is checked here:
    // instance "Web-1" must not free the leases of a live "web-1".
    const literal = workerIdPrefix.replace(/[!%_]/g, (ch) => `!${ch}`);
    const rows: Array<{ id: number | string; lease_owner: string }> = await this.dataSource.query(
      `SELECT id, ${c.leaseOwner} AS lease_owner FROM ${this.options.table}
       WHERE ${c.status} = 'pending' AND ${c.leaseUntil} IS NOT NULL AND ${c.leaseOwner} LIKE ? ESCAPE '!'`,
      [`${literal}%`],
    );
    const mine = rows.filter((r) => r.lease_owner.startsWith(workerIdPrefix));
    if (mine.length === 0) return 0;
    const ids = mine.map((r) => Number(r.id));
    const owners = [...new Set(mine.map((r) => r.lease_owner))];
    // The owner is checked again: a lease of the dead run that expired meanwhile may have been
    // claimed by a live instance, whose lease must stay.
    return this.execute(
      `UPDATE ${this.updateTarget} SET ${c.leaseUntil} = NULL
       WHERE id IN (${ids.map(() => '?').join(',')}) AND ${c.status} = 'pending' AND ${c.leaseOwner} IN (${owners.map(() => '?').join(',')})`,
      [...ids, ...owners],
    );
  }

  private updateLeased(lease: Lease, values: Record<string, unknown>): Promise<boolean> {
    const c = this.columns;
    const columns = Object.keys(values);
    return this.execute(
      `UPDATE ${this.updateTarget} SET ${columns.map((col) => `${col} = ?`).join(', ')}
       WHERE id = ? AND ${c.leaseOwner} = ? AND ${c.status} = 'pending'`,
      [...columns.map((col) => values[col]), lease.id, lease.owner],
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

/** Sorts raw rows as `ORDER BY` would (numbers as numbers, nulls first like both databases do ascending). */
function compareBy(order: ClaimOrder) {
  return (a: Record<string, unknown>, b: Record<string, unknown>): number => {
    for (const { column, desc } of order) {
      const x = a[column] as number | string | null;
      const y = b[column] as number | string | null;
      if (x === y) continue;
      const cmp = x === null ? -1 : y === null ? 1 : typeof x === 'number' && typeof y === 'number' ? x - y : Number(x) - Number(y) || String(x).localeCompare(String(y));
      if (cmp !== 0) return desc ? -cmp : cmp;
    }
    return 0;
  };
}
