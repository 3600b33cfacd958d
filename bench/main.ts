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

const [name, ...rest] = process.argv.slice(2);
const selected = name === undefined || name.startsWith("-") ? Object.keys(suites) : [name];
for (const suite of selected) {
  const load = suites[suite];
  if (load === undefined) {
    process.stderr.write(`bench: unknown suite '${suite}'; known: ${Object.keys(suites).join(", ") || "(none yet)"}\n`);
    process.exit(2);
  }
  await (await load()).run(name === undefined || name.startsWith("-") ? process.argv.slice(2) : rest);
}
