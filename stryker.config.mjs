// @ts-check
/**
 * `npm run mutate`: StrykerJS mutation testing of the Raft core (src/core/raft) with the vitest runner.
 * Slow (every mutant reruns the tests that cover it): run it outside CI. The report lands in reports/mutation/.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  mutate: ["src/core/raft/**/*.ts", "!src/core/raft/**/index.ts"],
  // The Raft core's own tests and one short simulation suite (stryker.config.vitest.mjs), each mutant against the
  // tests that cover it. The simulator's mutant hunts are left out: each takes seconds.
  vitest: { configFile: "stryker.config.vitest.mjs", related: false },
  ignorePatterns: [".cache", "reports", ".stryker-tmp"],
  coverageAnalysis: "perTest",
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 60_000,
  reporters: ["clear-text", "progress", "json", "html"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
};
