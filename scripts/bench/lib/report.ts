import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mysqlAdmin, REPO_ROOT } from './service';

/**
 * Writes measured results into docs/benchmarks.md. Each scenario owns a block between
 * `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`; a run replaces only its own blocks, so the
 * scenarios can be run piecewise and the hand-written analysis around them stays.
 */

const DOC = path.join(REPO_ROOT, 'docs', 'benchmarks.md');

export async function machineLine(mysqlUrl?: string): Promise<string> {
  let mariadb = 'not reached';
  if (mysqlUrl) {
    try {
      const conn = await mysqlAdmin(mysqlUrl);
      const [rows] = await conn.query('SELECT VERSION() AS v');
      mariadb = String((rows as Array<{ v: string }>)[0].v);
      await conn.end();
    } catch {
      // reported as not reached
    }
  }
  let sqlite = '?';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Database = require('better-sqlite3') as new (f: string) => { prepare(s: string): { get(): { v: string } }; close(): void };
    const db = new Database(':memory:');
    sqlite = db.prepare('SELECT sqlite_version() AS v').get().v;
    db.close();
  } catch {
    // leave '?'
  }
  let cpu = os.cpus()[0]?.model ?? '?';
  try {
    cpu = execFileSync('nproc').toString().trim() + ` × ${cpu}`;
  } catch {
    cpu = `${os.cpus().length} × ${cpu}`;
  }
  const memGiB = (os.totalmem() / 1024 ** 3).toFixed(1);
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  return `nproc ${cpu}; ${memGiB} GiB RAM; load average at the end ${load} (other sessions share this machine); Node ${process.version}; MariaDB ${mariadb}; SQLite ${sqlite} (better-sqlite3); ${os.type()} ${os.release()}`;
}

export function writeSection(name: string, markdown: string): void {
  if (process.env.BENCH_DRY === '1') {
    // --dry: a trial run (e.g. of the bench itself) leaves docs/benchmarks.md alone.
    console.log(`\n--- section "${name}" (not written: --dry) ---\n${markdown.trim()}\n`);
    return;
  }
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  let doc = fs.existsSync(DOC) ? fs.readFileSync(DOC, 'utf8') : '# Benchmarks\n';
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i >= 0 && j > i) doc = doc.slice(0, i) + block + doc.slice(j + end.length);
  else doc = `${doc.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(DOC, doc);
  console.log(`wrote section "${name}" to ${DOC}`);
}

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export const today = () => new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
