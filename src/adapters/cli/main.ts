/**
 * The `quorate` command line: a thin dispatcher. Each subcommand lives in its own module under
 * `commands/` and is loaded only when named, so start-up stays fast.
 */

import { readFileSync } from "node:fs";
import { EXIT_CODES_HELP, Exit } from "./exit-codes.js";
import { exitWithParent } from "../cluster/supervision.js";
import type { ExitCode } from "./exit-codes.js";

/** A subcommand: takes its own arguments, writes to stdout/stderr, returns an exit code of `exit-codes.ts`. */
export type CommandRun = (argv: readonly string[]) => Promise<ExitCode>;

interface CommandEntry {
  readonly summary: string;
  readonly load: () => Promise<{ run: CommandRun }>;
}

const commands: Record<string, CommandEntry> = {
  demo: {
    summary: "deterministic 5-node Raft run with faults (the default job of `npm start`)",
    load: () => import("./commands/demo.js"),
  },
  simulate: {
    summary: "seeded fault simulation of a system, with invariants, replay and shrinking",
    load: () => import("./commands/simulate.js"),
  },
  "verify-trace": {
    summary: "check an NDJSON trace of any Raft implementation against quorate's invariants",
    load: () => import("./commands/verify-trace.js"),
  },
  explore: {
    summary: "exhaustive model checking of a core or a calibration model within bounds",
    load: () => import("./commands/explore.js"),
  },
  check: {
    summary: "linearizability check of a history file (or every file of a manifest)",
    load: () => import("./commands/check.js"),
  },
  "zk-replay": {
    summary: "replay ZooKeeper golden transcripts through quorate's ZooKeeper-style service",
    load: () => import("./commands/zk-replay.js"),
  },
  "zk-server": {
    summary: "serve the ZooKeeper-style service to real ZooKeeper clients over ZooKeeper 3.8's wire protocol",
    load: () => import("./commands/zk-server.js"),
  },
  node: {
    summary: "run one node of the replicated key-value service (Raft, durable log, etcd v3 JSON API)",
    load: () => import("./commands/node.js"),
  },
  "kraft-node": {
    summary: "run one Kafka node in KRaft mode (controller or broker) as a process",
    load: () => import("./commands/kraft-node.js"),
  },
  "zk-broker": {
    summary: "run one Kafka broker in ZooKeeper mode (with its controller component) against a ZooKeeper server",
    load: () => import("./commands/zk-broker.js"),
  },
  cluster: {
    summary: "run a local cluster (key-value nodes, or Kafka in KRaft or ZooKeeper mode) as child processes, with a live status line per process",
    load: () => import("./commands/cluster.js"),
  },
  torture: {
    summary: "kill, pause and partition a real local cluster under client load; check the history is linearizable",
    load: () => import("./commands/torture.js"),
  },
  compare: {
    summary: "Kafka's controller in ZooKeeper mode beside KRaft: failover, broker failure, shutdown, load by partitions",
    load: () => import("./commands/compare.js"),
  },
  "export-vectors": {
    summary: "write spec-generated test vectors as language-neutral JSON",
    load: () => import("./commands/export-vectors.js"),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: quorate <command> [options]
       quorate --version

commands:
${lines.join("\n")}

Run \`quorate <command> --help\` for a command's options. Every command follows one convention:
${EXIT_CODES_HELP}
`;
}

/** The package's version, from its package.json (two folders above `src/adapters/cli` and `dist/adapters/cli`). */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version?: unknown };
  return String(manifest.version);
}

/** Runs the CLI with the given arguments (without `node` and the script) and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(usage());
    return Exit.badInput;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return Exit.ok;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    process.stdout.write(`quorate ${packageVersion()}\n`);
    return Exit.ok;
  }
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (entry === undefined) {
    process.stderr.write(`quorate: unknown command '${name}'\n\n${usage()}`);
    return Exit.badInput;
  }
  const { run } = await entry.load();
  // A node started by `quorate cluster` or `quorate torture` stops when its supervisor dies, even by kill -9.
  exitWithParent();
  return run(rest);
}
