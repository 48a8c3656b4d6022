/**
 * Jest runs the jsdom half of `npm run screenshots` (./render.shots.js) with the mini-program
 * tests' own setup (miniprogram/test/jest.config.js: jsdom, swc for our TypeScript and TDesign's
 * ES modules, the runtime globals). Its files end in .shots.js so no test run picks them up.
 */
const tests = require('../../miniprogram/test/jest.config.js');

module.exports = {
  ...tests,
  roots: [__dirname],
  testMatch: ['**/*.shots.js'],
  testTimeout: 120000,
  maxWorkers: 1,
};
