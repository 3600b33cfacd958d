/**
 * `npm run bench [-- NAME [options]]`: runs one benchmark suite, or every suite when none is named.
 * Suites live beside this file, one module each, and export `run(argv)`.
 */
const suites: Record<string, () => Promise<{ run: (argv: readonly string[]) => Promise<void> }>> = {
  metadata: () => import("./metadata.js"),
  raft: () => import("./raft.js"),
  "zk-ensemble": () => import("./zk-ensemble.js"),
  sim: () => import("./sim.js"),
  kraft: () => import("./kraft.js"),
  "kraft-failover": () => import("./kraft-failover.js"),
  linearizability: () => import("./linearizability.js"),
  zk: () => import("./zk.js"),
  explore: () => import("./explore.js"),
};
/** `npm run bench -- SUITE [options]`: runs one benchmark suite (the table is in `suites.ts`; `--help` lists them). */
import { runBench } from "./suites.js";

process.exitCode = await runBench(process.argv.slice(2));
