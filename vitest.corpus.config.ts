import { defineConfig } from "vitest/config";

// The corpus suite: tests against third-party data outside the repository (`npm run test:corpus [DIR]`, DIR
// defaulting to ../shared, passed as $QUORATE_CORPUS). Its own JSON report, which .ci/run adds to npm test's count.
export default defineConfig({
  test: {
    include: ["test/corpus/**/*.test.ts"],
    reporters: ["default", "json"],
    outputFile: { json: "reports/vitest-corpus.json" },
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
