import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { entities } from './entities';
import { migrations } from './migrations';
import { parseDatabaseUrl } from './url';
import { serializeSqliteAccess } from './sqlite-serial';

export function createDataSource(databaseUrl: string): DataSource {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind === 'sqlite') {
    if (target.file !== ':memory:') fs.mkdirSync(path.dirname(target.file!), { recursive: true });
    return new DataSource({
      type: 'better-sqlite3',
      database: target.file!,
      entities,
      migrations,
      // WAL lets readers run beside the single writer; busy_timeout waits instead of failing
      // when two connections (two processes on one file) write at once.
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        db.pragma('busy_timeout = 5000');
        db.pragma('foreign_keys = ON');
      },
    });
  }
  return new DataSource({
    type: 'mysql',
    host: target.host,
    port: target.port,
    username: target.username,
    password: target.password,
    database: target.database,
    entities,
    migrations,
    charset: 'utf8mb4_unicode_ci',
    supportBigNumbers: true,
    bigNumberStrings: false,
    // mysql2 captures a stack trace for every query by default (for nicer errors); it cost ~5% of
    // the callback ack path's CPU. Errors still carry the server's message and code.
    trace: false,
    // Sized for the welcome lane (32), the inbox and general lanes (8 each) and HTTP at once.
    extra: { connectionLimit: 50, connectTimeout: 5000 },
  });
}

export async function openDatabase(databaseUrl: string, options: { migrate?: boolean } = {}): Promise<DataSource> {
  const dataSource = createDataSource(databaseUrl);
  await dataSource.initialize();
  if (options.migrate !== false) await dataSource.runMigrations({ transaction: 'each' });
  if (!isMysql(dataSource)) serializeSqliteAccess(dataSource);
  return dataSource;
}

export function isMysql(dataSource: DataSource): boolean {
  return dataSource.options.type === 'mysql' || dataSource.options.type === 'mariadb';
}

/** True when the error is a unique-key violation on either database. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; errno?: number; driverError?: { code?: string } };
  const code = e?.driverError?.code ?? e?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
