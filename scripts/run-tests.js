#!/usr/bin/env node
/**
 * `npm test`: the whole jest suite on SQLite, then again on MySQL/MariaDB when TEST_MYSQL_URL is
 * given (e.g. mysql://root@127.0.0.1:3306/test; each test file creates and drops its own
 * database there), then the mini-program's leg (miniprogram/test: its build check — type check,
 * pages' four files, components resolve, WXML compiles — and its page tests, in jsdom).
 * Ends with one summary line: "N passed, N failed, N skipped".
 * Extra arguments are passed to jest (e.g. a test path pattern); the mini-program leg then
 * passes when the pattern matches none of its tests.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, '.test-results');
fs.mkdirSync(outDir, { recursive: true });
const jestBin = require.resolve('jest/bin/jest');
const extra = process.argv.slice(2);

/**
 * Suites that failed without a failing test (they did not load, or a beforeAll threw): each
 * counts as one failure. Jest reports such a suite in both numFailedTestSuites and
 * numRuntimeErrorTestSuites, so adding those two counted it twice.
 */
function brokenSuites(report) {
  return report.testResults.filter(
    (suite) => suite.status === 'failed' && !suite.assertionResults.some((test) => test.status === 'failed'),
  ).length;
}

function runLeg(name, env, args = []) {
  const outputFile = path.join(outDir, `${name}.json`);
  fs.rmSync(outputFile, { force: true });
  console.log(`\n=== test leg: ${name} ===`);
  const result = spawnSync(process.execPath, [jestBin, ...args, '--json', `--outputFile=${outputFile}`, ...extra], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  if (!fs.existsSync(outputFile)) {
    console.error(`test leg ${name}: jest produced no results (exit ${result.status})`);
    return { name, passed: 0, failed: 1, skipped: 0, ok: false };
  }
  const report = JSON.parse(fs.readFileSync(outputFile, 'utf8'));
  return {
    name,
    passed: report.numPassedTests,
    failed: report.numFailedTests + brokenSuites(report),
    skipped: report.numPendingTests + report.numTodoTests,
    ok: result.status === 0 && report.success,
  };
}

module.exports = { brokenSuites };
if (require.main === module) main();

function main() {
  const legs = [runLeg('sqlite', { XIANSUO_TEST_DB: 'sqlite' })];
  if (process.env.TEST_MYSQL_URL) {
    legs.push(runLeg('mysql', { XIANSUO_TEST_DB: 'mysql' }));
  } else {
    console.log('\n*** MySQL leg SKIPPED: TEST_MYSQL_URL is not set. To run it: TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test npm test ***');
  }
  legs.push(runLeg('miniprogram', {}, ['-c', 'miniprogram/test/jest.config.js', ...(extra.length ? ['--passWithNoTests'] : [])]));
  // The operator console in a real browser: the demo server in-process, Debian's Chromium.
  const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  const hasChromium = fs.existsSync(chromium);
  if (!hasChromium) console.log(`\n*** console browser tests SKIPPED: no Chromium at ${chromium} (apt-get install -y chromium fonts-noto-cjk, or set CHROMIUM_PATH) ***`);
  legs.push(runLeg('console', {}, ['-c', 'console/test/jest.config.js', ...(extra.length ? ['--passWithNoTests'] : [])]));

  console.log('\n=== summary ===');
  for (const leg of legs) console.log(`${leg.name}: ${leg.passed} passed, ${leg.failed} failed, ${leg.skipped} skipped`);
  if (!process.env.TEST_MYSQL_URL) console.log('mysql: skipped (TEST_MYSQL_URL not set)');
  if (!hasChromium) console.log('console: browser tests skipped (no Chromium)');
  const total = legs.reduce((acc, l) => ({ passed: acc.passed + l.passed, failed: acc.failed + l.failed, skipped: acc.skipped + l.skipped }), { passed: 0, failed: 0, skipped: 0 });
  console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  process.exit(legs.every((l) => l.ok) && total.failed === 0 && total.passed > 0 ? 0 : 1);
}
