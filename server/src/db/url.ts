import path from 'node:path';

export type DatabaseKind = 'sqlite' | 'mysql';

export interface DatabaseTarget {
  kind: DatabaseKind;
  /** SQLite file path, or ':memory:'. */
  file?: string;
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  database?: string;
}

/** `sqlite:./data/x.sqlite`, `sqlite::memory:`, `mysql://user:pass@host:3306/db` (also `mariadb://`). */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!file) throw new Error('DATABASE_URL: sqlite: needs a file path');
    return { kind: 'sqlite', file: file === ':memory:' ? file : path.resolve(file) };
  }
  const parsed = new URL(url);
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
    throw new Error('DATABASE_URL: unsupported scheme (use sqlite: or mysql://)');
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new Error('DATABASE_URL: mysql:// needs a database name');
  return {
    kind: 'mysql',
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 3306,
    username: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database,
  };
}
