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
  // Only the tests that import a mutated file run against it.
  vitest: { configFile: "vitest.config.ts", related: true },
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
