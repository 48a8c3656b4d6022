import { QueryRunner, TableColumnOptions, TableIndexOptions } from 'typeorm';

/**
 * Column builders for migrations. Migrations use TypeORM's Table API (not raw SQL) so one
 * migration runs on both SQLite and MySQL/MariaDB.
 */
export const col = {
  /** `bigint` ids are BIGINT on MySQL; SQLite's rowid is 64-bit already and must be INTEGER. */
  id: (name = 'id', bigint = false, runner?: QueryRunner): TableColumnOptions => ({
    name,
    type: bigint && runner?.connection.options.type !== 'better-sqlite3' ? 'bigint' : 'integer',
    isPrimary: true,
    isGenerated: true,
    generationStrategy: 'increment',
  }),
  key: (name: string, length = 128): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isPrimary: true }),
  str: (name: string, length: number, nullable = false, defaultValue?: string): TableColumnOptions => ({
    name,
    type: 'varchar',
    length: String(length),
    isNullable: nullable,
    ...(defaultValue !== undefined ? { default: `'${defaultValue}'` } : {}),
  }),
  text: (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable }),
  int: (name: string, nullable = false, defaultValue?: number): TableColumnOptions => ({
    name,
    type: 'int',
    isNullable: nullable,
    ...(defaultValue !== undefined ? { default: defaultValue } : {}),
  }),
  bool: (name: string, defaultValue = false): TableColumnOptions => ({ name, type: 'boolean', default: defaultValue ? 1 : 0 }),
  /** Epoch milliseconds. */
  ms: (name: string, nullable = false, defaultValue?: number): TableColumnOptions => ({
    name,
    type: 'bigint',
    isNullable: nullable,
    ...(defaultValue !== undefined ? { default: defaultValue } : {}),
  }),
};

export const index = (name: string, columnNames: string[], isUnique = false): TableIndexOptions => ({
  name,
  columnNames,
  isUnique,
});
