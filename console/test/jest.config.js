/**
 * The console's end-to-end tests (npm test runs them as the `console` leg): the demo server
 * in-process (WeCom simulator included), the built console (scripts/build-console.js, run first
 * by globalSetup), and a real Chromium driven by playwright-core. Without Chromium the suites
 * are skipped and say so (support/browser.ts).
 */
const path = require('node:path');

const swc = [
  require.resolve('@swc/jest'),
  {
    jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

module.exports = {
  rootDir: path.resolve(__dirname, '../..'),
  roots: ['<rootDir>/console/test'],
  testMatch: ['**/*.e2e.ts'],
  testEnvironment: 'node',
  globalSetup: '<rootDir>/console/test/support/global-setup.js',
  transform: { '^.+\\.ts$': swc },
  testTimeout: 60000,
  // One browser and one demo server per file; files run one after another (2 cores).
  maxWorkers: 1,
};
