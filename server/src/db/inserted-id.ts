import type { InsertResult } from 'typeorm';

/**
 * The id of the row an `insert()…updateEntity(false)` wrote. Without updateEntity TypeORM reads
 * the row back (one more statement) to fill `identifiers`; with it, the id comes from what the
 * driver returned: MySQL's `insertId`, better-sqlite3's `lastInsertRowid`.
 */
export function insertedId(result: InsertResult): number {
  const fromIdentifiers = result.identifiers[0]?.id;
  if (fromIdentifiers !== undefined) return Number(fromIdentifiers);
  const raw = result.raw as { insertId?: number | bigint } | number | bigint;
  const id = typeof raw === 'object' && raw !== null ? raw.insertId : raw;
  if (id === undefined || id === null) throw new Error('the database returned no id for the inserted row');
  return Number(id);
}
