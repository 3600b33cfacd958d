/**
 * The `quorate` command line: a thin dispatcher. Each subcommand lives in its own module under
 * `commands/` and is loaded only when named, so start-up stays fast.
 */

/** A subcommand: takes its own arguments, writes to stdout/stderr, returns the exit code. */
export type CommandRun = (argv: readonly string[]) => Promise<number>;

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
  "export-vectors": {
    summary: "write spec-generated test vectors as language-neutral JSON",
    load: () => import("./commands/export-vectors.js"),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: quorate <command> [options]\n\ncommands:\n${lines.join("\n")}\n\nRun \`quorate <command> --help\` for a command's options.\n`;
}

/** Runs the CLI with the given arguments (without `node` and the script) and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const entry = commands[name];
  if (entry === undefined) {
    process.stderr.write(`quorate: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const { run } = await entry.load();
  return run(rest);
}
