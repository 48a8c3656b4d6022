#!/usr/bin/env node
/**
 * `npm run build:console` (and `npm start`, before starting): builds the operator console
 * (console/, Vite) into dist/console — only when its sources or the lockfile changed since the
 * last build, which it recognises by a hash kept in dist/console/.source-hash. `--force` builds
 * anyway.
 */
const { createHash } = require('node:crypto');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist', 'console');
const hashFile = path.join(dist, '.source-hash');

function files(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? (entry.name === 'node_modules' ? [] : files(path.join(dir, entry.name))) : [path.join(dir, entry.name)]))
    .sort();
}

function sourceHash() {
  const hash = createHash('sha256');
  for (const file of [...files(path.join(root, 'console')), path.join(root, 'package-lock.json')]) {
    hash.update(path.relative(root, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

const current = sourceHash();
const built = fs.existsSync(hashFile) && fs.existsSync(path.join(dist, 'index.html')) ? fs.readFileSync(hashFile, 'utf8').trim() : null;
if (built === current && !process.argv.includes('--force')) {
  console.log('console: up to date (dist/console)');
  process.exit(0);
}
console.log('console: building (vite) …');
const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn', '-c', path.join(root, 'console', 'vite.config.mts')], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
});
if (result.status !== 0) {
  console.error('console: build failed');
  process.exit(result.status ?? 1);
}
fs.writeFileSync(hashFile, `${current}\n`);
console.log('console: built into dist/console');
