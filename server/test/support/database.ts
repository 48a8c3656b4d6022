import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { parseDatabaseUrl } from '../../src/db/url';

/**
 * Each test file gets its own empty database: a temp SQLite file, or (on the MySQL leg, when
 * XIANSUO_TEST_DB=mysql and TEST_MYSQL_URL are set) a fresh database on that server.
 */
export const testDbKind: 'sqlite' | 'mysql' = process.env.XIANSUO_TEST_DB === 'mysql' ? 'mysql' : 'sqlite';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const suffix = `${process.pid}_${randomBytes(4).toString('hex')}`;
  if (testDbKind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-test-'));
    return {
      url: `sqlite:${path.join(dir, 'test.sqlite')}`,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const serverUrl = process.env.TEST_MYSQL_URL;
  if (!serverUrl) throw new Error('XIANSUO_TEST_DB=mysql needs TEST_MYSQL_URL');
  const target = parseDatabaseUrl(serverUrl);
  const name = `xiansuo_t_${suffix}`;
  const admin = await mysql.createConnection({ host: target.host, port: target.port, user: target.username, password: target.password });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const auth = target.username ? `${encodeURIComponent(target.username)}${target.password ? `:${encodeURIComponent(target.password)}` : ''}@` : '';
  return {
    url: `mysql://${auth}${target.host}:${target.port}/${name}`,
    drop: async () => {
      const conn = await mysql.createConnection({ host: target.host, port: target.port, user: target.username, password: target.password });
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}
