import type { InsertResult } from 'typeorm';

/**
 * The id of the row an `insert()…updateEntity(false)` wrote. Without updateEntity TypeORM reads
 * the row back (one more statement) to fill `identifiers`; with it, the id comes from what the
 * driver returned: MySQL's `insertId`, better-sqlite3's `lastInsertRowid`.
 */
export function insertedId(result: InsertResult): number {
  const fromIdentifiers = result.identifiers[0]?.id;
  if (fromIdentifiers !== undefined) return Number(fromIdentifiers);
  return rowIdOf(result.raw);
}

/** The same from a plain single-row INSERT run with `queryRunner.query(sql, params, true)`: its `raw`. */
export function rowIdOf(raw: unknown): number {
  const id = typeof raw === 'object' && raw !== null ? (raw as { insertId?: number | bigint }).insertId : (raw as number | bigint | undefined);
  if (id === undefined || id === null) throw new Error('the database returned no id for the inserted row');
  return Number(id);
}
