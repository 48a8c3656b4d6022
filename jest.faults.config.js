/**
 * `npm run test:faults`: fault tests against the built service running as child processes
 * (SIGKILL, database outages, WeCom faults, two instances, bad input at volume). They need
 * `npm run build` first and run one file at a time, since each drives real processes.
 * Files end in .fault.ts so the regular suite (jest.config.js) does not pick them up.
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/server/test/faults'],
  testMatch: ['**/*.fault.ts'],
  testTimeout: 150000,
  maxWorkers: 1,
};
