// Vitest settings for `npm run mutate` only (see stryker.config.mjs): the Raft core's own tests plus one short
// simulation suite that runs Raft under faults with every invariant and the linearizability checker.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/raft/**/*.test.ts", "test/properties/raft-*.test.ts", "test/simulator/history.test.ts"],
    testTimeout: 60_000,
  },
});
