import { defineConfig } from "vitest/config";

// `npm test`: every test but the corpus suite, coverage on src/, and a JSON report for .ci/run's closing count line.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The corpus suite reads third-party data outside the repository: `npm run test:corpus [DIR]`.
    exclude: ["**/node_modules/**", "test/corpus/**"],
    reporters: ["default", "json"],
    outputFile: { json: "reports/vitest.json" },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      exclude: ["src/**/index.ts", "src/**/*.d.ts", "**/.cache/**", "src/**/assembly/**"],
      reporter: ["text-summary", "json-summary"],
      reportsDirectory: "reports/coverage",
      thresholds: {
        "src/core/**/*.ts": { lines: 90, branches: 90 },
      },
    },
  },
});
