/**
 * Imports leads from a CSV or XLSX file into the database named by DATABASE_URL.
 *
 *   npm run build
 *   node dist/scripts/import-leads.js <file.csv|file.xlsx> [--source-name=expo2026] [--dry-run] [--batch-size=200]
 *
 * Re-running with the same file and source name adds nothing twice. Rows that could not be
 * imported are listed in <file>.errors.csv. Exit code 0 when the import ran (even with bad
 * rows; see the summary), 1 when it could not run, 2 on a usage error.
 */
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../server/src/config';
import { openDatabase } from '../server/src/db/data-source';
import { ImportError, importLeads, ImportProgress } from '../server/src/capture/import/import-leads';
import { SheetError } from '../server/src/capture/import/read-sheet';

const USAGE = 'usage: node dist/scripts/import-leads.js <file.csv|file.xlsx> [--source-name=NAME] [--dry-run] [--batch-size=N]';

function parseArgs(argv: string[]) {
  let file: string | undefined;
  let sourceName: string | undefined;
  let dryRun = false;
  let batchSize: number | undefined;
  for (const arg of argv) {
    if (arg === '--dry-run') dryRun = true;
    else if (arg.startsWith('--source-name=')) sourceName = arg.slice('--source-name='.length);
    else if (arg.startsWith('--batch-size=')) batchSize = Number(arg.slice('--batch-size='.length));
    else if (arg === '-h' || arg === '--help') return null;
    else if (arg.startsWith('--') || file) throw new Error(`unexpected argument: ${arg}`);
    else file = arg;
  }
  if (!file) throw new Error('missing the file to import');
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) throw new Error('--batch-size must be a positive integer');
  return { file, sourceName, dryRun, batchSize };
}

/** A bar on a terminal; a line every few seconds in logs and pipes. */
function progressReporter() {
  if (process.stdout.isTTY) {
    const bar = new SingleBar({ format: '导入 [{bar}] {percentage}% | {value}/{total} 行 | 新建 {created} | 已存在 {matched} | 失败 {failed}' }, Presets.shades_classic);
    let started = false;
    return {
      update(p: ImportProgress) {
        if (!started) {
          bar.start(p.total, 0, { created: 0, matched: 0, failed: 0 });
          started = true;
        }
        bar.update(p.processed, { created: p.created, matched: p.matched, failed: p.failed });
      },
      stop: () => started && bar.stop(),
    };
  }
  let lastLine = 0;
  return {
    update(p: ImportProgress) {
      const done = p.processed >= p.total;
      if (!done && Date.now() - lastLine < 2000) return;
      lastLine = Date.now();
      console.log(`progress: ${p.processed}/${p.total} rows, created ${p.created}, matched ${p.matched}, failed ${p.failed}`);
    },
    stop: () => undefined,
  };
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!args) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  const dataSource = await openDatabase(config.databaseUrl);
  const reporter = progressReporter();
  try {
    const result = await importLeads(dataSource, args.file, { sourceName: args.sourceName, dryRun: args.dryRun, batchSize: args.batchSize }, (p) => reporter.update(p));
    reporter.stop();
    const mode = result.dryRun ? ' (dry run: nothing was written)' : '';
    console.log(`import "${result.sourceName}" finished${mode}: ${result.processed} rows, ${result.created} new leads, ${result.matched} matched existing leads, ${result.failed} failed`);
    console.log(`columns: ${Object.entries(result.columns.fields).map(([h, f]) => `${h}→${f}`).join(', ') || '(none)'}${result.columns.attributes.length ? `; as attributes: ${result.columns.attributes.join(', ')}` : ''}${result.columns.ignored.length ? `; ignored: ${result.columns.ignored.join(', ')}` : ''}`);
    if (result.errorReportPath) console.log(`rows that were not imported, with reasons: ${result.errorReportPath}`);
    return 0;
  } catch (error) {
    reporter.stop();
    if (error instanceof ImportError || error instanceof SheetError) {
      console.error(`import failed: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
