import { defineConfig } from "vitest/config";

// One run: every test, coverage on src/, and a JSON report that .ci/run reads for its closing count line.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "json"],
    outputFile: { json: "reports/vitest.json" },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      exclude: ["src/**/index.ts", "src/**/*.d.ts", "**/.cache/**"],
      reporter: ["text-summary", "json-summary"],
      reportsDirectory: "reports/coverage",
      thresholds: {
        "src/core/**/*.ts": { lines: 90, branches: 90 },
      },
    },
  },
});
