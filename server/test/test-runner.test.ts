/** The closing line of `npm test` is what CI reads: each broken suite must count once. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { brokenSuites } = require('../../scripts/run-tests.js') as { brokenSuites: (report: unknown) => number };

describe('npm test summary', () => {
  it('counts a suite that failed to load once, and a suite with failing tests not at all (its tests count)', () => {
    const report = {
      numFailedTestSuites: 2,
      numRuntimeErrorTestSuites: 1,
      testResults: [
        { status: 'failed', testExecError: { message: 'Cannot find module' }, assertionResults: [] },
        { status: 'failed', assertionResults: [{ status: 'passed' }, { status: 'failed' }] },
        { status: 'passed', assertionResults: [{ status: 'passed' }] },
      ],
    };
    expect(brokenSuites(report)).toBe(1);
  });
});
