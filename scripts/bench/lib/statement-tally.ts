/**
 * Preloaded into a benchmarked service (`node -r …/statement-tally.js main.js`, set up by
 * startService with `tallyFile`): counts the SQL statements the process sends, by first keyword,
 * through mysql2 and better-sqlite3, and writes them as JSON to BENCH_TALLY_FILE on SIGUSR2. This
 * is how "statements per add" is measured for this build and a baseline alike, without touching
 * the service's code and without the MariaDB server's global counters, which other sessions on a
 * shared server would pollute. Costs a string slice and a map update per statement.
 */
import fs from 'node:fs';

const counts: Record<string, number> = {};
// BENCH_TALLY_SHAPES=1: also count each statement's shape (its first 90 characters, whitespace
// collapsed), to see which statements an add costs.
const shapes: Record<string, number> | null = process.env.BENCH_TALLY_SHAPES === '1' ? {} : null;
const tally = (sql: unknown) => {
  const text = typeof sql === 'string' ? sql : typeof (sql as { sql?: unknown })?.sql === 'string' ? (sql as { sql: string }).sql : '';
  const verb = (/^\s*([A-Za-z]+)/.exec(text)?.[1] ?? 'other').toUpperCase();
  counts[verb] = (counts[verb] ?? 0) + 1;
  if (shapes) {
    const shape = text.replace(/\s+/g, ' ').trim().slice(0, 90);
    shapes[shape] = (shapes[shape] ?? 0) + 1;
  }
};

function wrap(target: Record<string, unknown>, name: string, pick: (args: unknown[], self: unknown) => unknown) {
  const original = target[name] as (...args: unknown[]) => unknown;
  if (typeof original !== 'function') return;
  target[name] = function (this: unknown, ...args: unknown[]) {
    tally(pick(args, this));
    return original.apply(this, args);
  };
}

try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mysql2 = require('mysql2') as { Connection: { prototype: object } };
  const base = Object.getPrototypeOf(mysql2.Connection.prototype) as Record<string, unknown>;
  wrap(base, 'query', (args) => args[0]);
  wrap(base, 'execute', (args) => args[0]);
} catch {
  // not installed: nothing to count there
}
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Database = require('better-sqlite3') as new (file: string) => { prepare(sql: string): object; close(): void };
  const probe = new Database(':memory:');
  const statement = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, unknown>;
  probe.close();
  for (const name of ['run', 'all', 'get', 'iterate']) wrap(statement, name, (_args, self) => (self as { source?: string }).source);
  const db = (Database as unknown as { prototype: Record<string, unknown> }).prototype;
  wrap(db, 'exec', (args) => args[0]);
} catch {
  // not installed: nothing to count there
}

process.on('SIGUSR2', () => {
  const file = process.env.BENCH_TALLY_FILE;
  if (file) fs.writeFileSync(file, JSON.stringify(shapes ? { ...counts, _shapes: shapes } : counts));
});
