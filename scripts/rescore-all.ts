/**
 * `npm run rescore` (or `node dist/scripts/rescore-all.js` after `npm run build`): re-scores every
 * lead under the rules in force (admin override, else config/scoring.json), e.g. after a rules
 * change. Reads DATABASE_URL like the service; safe to run while the service is up.
 *
 *   --batch-size=N      leads per batch / transaction (default 1000)
 *   --suppress-alerts   mark leads that become hot without messaging their owners (backfill)
 */
import 'reflect-metadata';
import cliProgress from 'cli-progress';
import { loadConfig } from '../server/src/config';
import { openDatabase } from '../server/src/db/data-source';
import { rescoreAll, RescoreProgress } from '../server/src/leads/scoring/rescore-all';
import { scoringRulesInfo } from '../server/src/leads/scoring/rules';

function parseArgs(argv: string[]) {
  let batchSize = 1000;
  let suppressAlerts = false;
  for (const arg of argv) {
    const size = /^--batch-size=(\d+)$/.exec(arg);
    if (size) batchSize = Math.max(1, Math.min(5000, Number(size[1])));
    else if (arg === '--suppress-alerts') suppressAlerts = true;
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: rescore-all [--batch-size=1000] [--suppress-alerts]');
      process.exit(0);
    } else throw new Error(`unknown argument: ${arg}`);
  }
  return { batchSize, suppressAlerts };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const dataSource = await openDatabase(config.databaseUrl);
  try {
    const { source, rules } = await scoringRulesInfo(dataSource);
    console.log(`rescoring all leads with the ${source === 'override' ? 'admin override' : 'config/scoring.json'} rules, batches of ${args.batchSize}`);
    const tty = Boolean(process.stdout.isTTY);
    const bar = tty
      ? new cliProgress.SingleBar({ format: 'rescore [{bar}] {percentage}% | {value}/{total} leads | {rate} leads/s | {changed} changed', hideCursor: true }, cliProgress.Presets.shades_classic)
      : null;
    let lastLine = 0;
    let started = false;
    const onProgress = (p: RescoreProgress) => {
      if (bar) {
        if (!started) bar.start(p.total ?? 0, 0, { rate: 0, changed: 0 });
        started = true;
        bar.update(p.processed, { rate: p.rate, changed: p.changed });
      } else if (Date.now() - lastLine >= 2000 || p.processed === p.total) {
        lastLine = Date.now();
        console.log(`rescored ${p.processed}/${p.total ?? '?'} leads, ${p.changed} changed, ${p.rate} leads/s`);
      }
    };
    const result = await rescoreAll(dataSource, rules, { batchSize: args.batchSize, onProgress, hot: args.suppressAlerts ? 'suppress' : 'alert' });
    bar?.stop();
    const seconds = (result.elapsedMs / 1000).toFixed(1);
    console.log(
      `done: ${result.processed} leads in ${seconds} s (${result.rate} leads/s), ${result.changed} changed, ${result.alerts} hot alert(s) queued for the running service to send`,
    );
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
