/**
 * The benchmark suites by name, and the dispatcher behind `npm run bench -- NAME [options]`: `--help` lists the
 * suites, no suite says which to pick (exit 2), and a suite's bad option is a message, not a stack trace.
 * Suites live beside this file, one module each, and export `run(argv)`.
 */
import { EXIT_CODES_HELP, Exit } from "../src/adapters/cli/exit-codes.js";
import type { ExitCode } from "../src/adapters/cli/exit-codes.js";

interface Suite {
  readonly usage: string;
  readonly load: () => Promise<{ run: (argv: readonly string[]) => Promise<void> }>;
}

/** Every suite with its options. */
export const SUITES: Readonly<Record<string, Suite>> = {
  metadata: { usage: "[--sizes 100000,1000000,2000000] [--brokers 100] [--rf 3] [--per-topic 100] [--repeat 3] [--json]", load: () => import("./metadata.js") },
  raft: { usage: "[--json] [--ms N] [--rounds N] [--filter SUBSTR]", load: () => import("./raft.js") },
  "zk-ensemble": { usage: "[--ops N] [--rounds N] [--json]", load: () => import("./zk-ensemble.js") },
  sim: { usage: "[--seconds S] [--seeds N] [--steps N] [--json]", load: () => import("./sim.js") },
  kraft: { usage: "[--records N] [--batch B] [--observers K] [--repeat R]", load: () => import("./kraft.js") },
  "kraft-failover": { usage: "[--sizes 1000,10000,100000] [--seeds 1,2,3] [--json]", load: () => import("./kraft-failover.js") },
  linearizability: { usage: "[--reps N] [--filter TEXT] [--no-e2e] [--json FILE]", load: () => import("./linearizability.js") },
  zk: { usage: "[--ops N] [--repeat R]", load: () => import("./zk.js") },
  "lin-recorded": { usage: "[--reps N] [--cold N] [--porcupine BIN] [--manifest FILE] [--json FILE]", load: () => import("./lin-recorded.js") },
  contract: { usage: "[--entries N] [--json]", load: () => import("./contract.js") },
  "zk-controller": { usage: "[--ops N] [--rounds R] [--json]", load: () => import("./zk-controller.js") },
  cluster: { usage: "[--ms 3000] [--clients 1,16,64] [--json]", load: () => import("./cluster.js") },
  "cluster-tail": { usage: "[--ms 10000] [--warmup-ms 3000] [--node-args \"…\"] [--json]", load: () => import("./cluster-tail.js") },
  explore: { usage: "[--repeat R]", load: () => import("./explore.js") },
  storage: { usage: "[--ms 2000] [--clients 1,16,64] [--size 100] [--dir DIR] [--json]", load: () => import("./storage.js") },
  "zk-wire": { usage: "[--clients 1,32] [--ms 2000] [--json]", load: () => import("./zk-wire.js") },
};

/** The list of suites, as `--help` prints it. */
export function benchUsage(): string {
  const width = Math.max(...Object.keys(SUITES).map((n) => n.length));
  const lines = Object.entries(SUITES).map(([name, s]) => `  ${name.padEnd(width)}  ${s.usage}`);
  return `usage: npm run bench -- SUITE [options]\n\nsuites:\n${lines.join("\n")}\n\nRun one suite at a time (benchmarks measured side by side must share a run).\n${EXIT_CODES_HELP}\n`;
}

/** Where the dispatcher writes. */
export interface BenchIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const STD: BenchIo = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };

/** Runs `npm run bench -- argv…` and returns the exit code. */
export async function runBench(argv: readonly string[], io: BenchIo = STD): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === "--help" || name === "-h" || name === "help") {
    io.out(benchUsage());
    return Exit.ok;
  }
  if (name === undefined || name.startsWith("-")) {
    io.err(`bench: name a suite to run (one of ${Object.keys(SUITES).join(", ")})\n\n${benchUsage()}`);
    return Exit.badInput;
  }
  const suite = Object.hasOwn(SUITES, name) ? SUITES[name] : undefined;
  if (suite === undefined) {
    io.err(`bench: unknown suite '${name}'; known: ${Object.keys(SUITES).join(", ")}\n`);
    return Exit.badInput;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(`usage: npm run bench -- ${name} ${suite.usage}\n`);
    return Exit.ok;
  }
  const module = await suite.load();
  try {
    await module.run(rest);
  } catch (error) {
    // node:util parseArgs errors (unknown option, missing value) are usage errors, not crashes.
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
      io.err(`bench ${name}: ${(error as Error).message}\nusage: npm run bench -- ${name} ${suite.usage}\n`);
      return Exit.badInput;
    }
    throw error;
  }
  return Exit.ok;
}
