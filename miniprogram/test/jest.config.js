/**
 * The mini-program's page and component tests (npm test runs them as the `miniprogram` leg):
 * jsdom, pages rendered from their real WXML by miniprogram-simulate with WeChat's own WXML
 * compiler, TDesign components from node_modules, wx.request faked with the fixtures in
 * test/fixtures/. TDesign ships ES modules, so they go through swc like our TypeScript.
 */
const path = require('node:path');

const swc = [
  require.resolve('@swc/jest'),
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2019' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

module.exports = {
  rootDir: path.resolve(__dirname, '..'),
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testEnvironment: 'jsdom',
  setupFiles: ['<rootDir>/test/support/globals.ts'],
  transform: { '^.+\\.(t|j)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!tdesign-miniprogram/)'],
  testTimeout: 30000,
  maxWorkers: 2,
};
