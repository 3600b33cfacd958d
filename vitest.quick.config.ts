import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

// `npm run test:quick`: the edit-test loop — unit and property tests only, no coverage, no JSON report. Left out:
// the Quint spec runs (test/conformance/), the mutant hunts (random and exhaustive), tests that start real processes (`*.real.test.ts`:
// ZooKeeper, etcd, npm pack, Chromium) and the corpus suite. `npm test` runs all of them but the corpus.
export default defineConfig({
  test: {
    ...base.test,
    exclude: [
      "**/node_modules/**",
      "test/corpus/**",
      "test/conformance/**",
      "test/simulator/mutants.test.ts",
      // Exhaustive searches for planted mutants (tens of seconds each): `npm test` runs them.
      "test/explore/raft-mutants.test.ts",
      "test/explore/raft-deep-mutants.test.ts",
      "test/explore/raft-mutants-from-init.test.ts",
      "test/explore/kraft.test.ts",
      "test/explore/zk-workloads.test.ts",
      "test/**/*.real.test.ts",
      // Real processes under names that predate the `.real.test.ts` convention: ZooKeeper 3.8, kazoo, zkCli.sh, the CLI.
      "test/zk-wire/differential.test.ts",
      "test/zk-wire/kazoo.test.ts",
      "test/zk-wire/zkcli.test.ts",
      "test/zk-wire/config-cli.test.ts",
    ],
    // Both cores: vitest's default leaves one free, which doubles the wall time of this CPU-bound suite.
    maxWorkers: 2,
    reporters: ["default"],
    outputFile: undefined,
    coverage: { ...base.test?.coverage, enabled: false },
  },
});
