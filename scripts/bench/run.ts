import { benchAck } from './ack';
import { benchArchive } from './archive';
import { buildBaseline } from './lib/baseline';
import { benchBurst } from './burst';
import { benchList } from './list';
import { DEFAULT_MYSQL_URL } from './lib/service';

/**
 * `npm run bench [-- SCENARIO… --db=mysql|sqlite --seconds=N --rates=100,250 --adds=N --leads=N --split --baseline=REV --build=REV --dry]`
 * `npm run bench -- archive [--db=mysql|sqlite] [--messages=N] [--threads=N] [--minutes=N]`
 * Scenarios: ack, burst, list, archive. No scenario = ack, burst and list (burst on both databases);
 * archive (the chat archive reading 100,000 messages, about an hour) only when named.
 * MariaDB comes from BENCH_MYSQL_URL or TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306/test);
 * every run creates and drops its own database there. Results go to docs/benchmarks.md.
 */
export interface BenchArgs {
  db: 'sqlite' | 'mysql';
  mysqlUrl: string;
  seconds?: number;
  rates?: number[];
  adds?: number;
  leads?: number;
  /** archive: messages played into the simulator's archive (default 100,000). */
  messages?: number;
  /** archive: ARCHIVE_DECRYPT_THREADS for the service (default: unset, the service's own choice). */
  threads?: number;
  /** archive: give up following the cursor after this many minutes (default 120) and report how far it got. */
  minutes?: number;
  /** Reuse an already seeded database for `list` (its name on the MySQL server). */
  reuse?: string;
  keep?: boolean;
  /** burst: one ROLE=web and one ROLE=worker process on the database instead of one ROLE=all. */
  split?: boolean;
  /** `--baseline=REV`: that commit, built apart (lib/baseline.ts), measured beside this build. */
  baseline?: { rev: string; sha: string; mainJs: string };
  /** `--build=REV`: measure that commit (built apart) as "this build" instead of the checkout's dist. */
  build?: { rev: string; sha: string; mainJs: string };
}

function parse(argv: string[]): { scenarios: string[]; args: BenchArgs; dbGiven: boolean } {
  const flags = new Map<string, string>();
  const scenarios: string[] = [];
  for (const a of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (m) flags.set(m[1], m[2] ?? 'true');
    else scenarios.push(a);
  }
  const num = (k: string) => (flags.has(k) ? Number(flags.get(k)) : undefined);
  const db = flags.get('db');
  if (db && db !== 'mysql' && db !== 'sqlite') throw new Error('--db must be mysql or sqlite');
  return {
    scenarios,
    dbGiven: db !== undefined,
    args: {
      db: (db as 'mysql' | 'sqlite') ?? 'mysql',
      mysqlUrl: process.env.BENCH_MYSQL_URL ?? process.env.TEST_MYSQL_URL ?? DEFAULT_MYSQL_URL,
      seconds: num('seconds'),
      rates: flags.get('rates')?.split(',').map(Number),
      adds: num('adds'),
      leads: num('leads'),
      messages: num('messages'),
      threads: num('threads'),
      minutes: num('minutes'),
      reuse: flags.get('reuse'),
      keep: flags.has('keep'),
      split: flags.has('split'),
      baseline: flags.has('baseline') ? { rev: flags.get('baseline')!, ...buildBaseline(flags.get('baseline')!) } : undefined,
      build: flags.has('build') ? { rev: flags.get('build')!, ...buildBaseline(flags.get('build')!) } : undefined,
    },
  };
}

async function main() {
  const { scenarios, args, dbGiven } = parse(process.argv.slice(2));
  if (process.argv.includes('--dry')) process.env.BENCH_DRY = '1';
  const known = ['ack', 'burst', 'list', 'archive'];
  const unknown = scenarios.filter((s) => !known.includes(s));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  const run = scenarios.length ? scenarios : known.filter((s) => s !== 'archive');
  for (const s of run) {
    const started = Date.now();
    console.log(`\n=== bench: ${s} ===`);
    if (s === 'ack') await benchAck(args);
    if (s === 'burst') {
      if (dbGiven) await benchBurst(args);
      else for (const db of ['mysql', 'sqlite'] as const) await benchBurst({ ...args, db });
    }
    if (s === 'list') await benchList({ ...args, db: 'mysql' });
    if (s === 'archive') await benchArchive(args);
    console.log(`=== ${s} done in ${((Date.now() - started) / 1000).toFixed(0)} s ===`);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
