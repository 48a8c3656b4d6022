const { spawnSync } = require('node:child_process');
const path = require('node:path');

/** The tests drive the built console: build it when its sources changed (a no-op otherwise). */
module.exports = async () => {
  const result = spawnSync(process.execPath, [path.resolve(__dirname, '../../../scripts/build-console.js')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('the console did not build');
};
