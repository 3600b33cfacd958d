/**
 * `quorate cluster --nodes 3 [--data DIR]`: a local cluster of `quorate node` child processes on free loopback
 * ports with a live status line per node (role, term, commit, applied). Ctrl-C (SIGINT) or SIGTERM stops every
 * node by its PID and exits 0.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalCluster } from "../../cluster/local-cluster.js";
import { EXIT_CODES_HELP, Exit, UsageError } from "../exit-codes.js";
import { parseCommandLine } from "../flags.js";
import { untilStopSignal } from "../signals.js";
import type { FlagTable } from "../flags.js";
import type { CommandRun } from "../main.js";

const USAGE = `usage: quorate cluster [--nodes N] [--data DIR]

Starts a local cluster of quorate key-value nodes (\`quorate node\`) as child processes on free 127.0.0.1 ports
and shows a live status line per node. Ctrl-C stops them all.

  --nodes N   number of nodes (1-9). Default 3
  --data DIR  parent of the nodes' data directories (node-N/) and logs (node-N.log). Default: a new temp dir
${EXIT_CODES_HELP}
`;

const FLAGS = {
  nodes: { type: "string" },
  data: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies FlagTable;

/** Runs the command. */
export const run: CommandRun = async (argv) => {
  let nodes = 3;
  let dir: string | undefined;
  try {
    const v = parseCommandLine(FLAGS, argv, { positionals: false }).values;
    if (v.help === true) {
      process.stdout.write(USAGE);
      return Exit.ok;
    }
    if (v.nodes !== undefined) {
      if (!/^[1-9]$/.test(v.nodes)) throw new UsageError(`--nodes must be an integer in [1, 9], got ${JSON.stringify(v.nodes)}`);
      nodes = Number(v.nodes);
    }
    dir = v.data;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`quorate cluster: ${e.message}\n\n${USAGE}`);
    return Exit.badInput;
  }
  dir ??= await mkdtemp(join(tmpdir(), "quorate-cluster-"));
  // Listen for the stop signal from the start: a supervisor may signal as soon as the cluster says it is up.
  const stopSignal = untilStopSignal();
  let cluster: LocalCluster;
  try {
    cluster = await LocalCluster.start({ nodes, dir, tickMs: 100 });
  } catch (e) {
    process.stderr.write(`quorate cluster: ${(e as Error).message}\n`);
    return Exit.badInput;
  }
  process.stdout.write(`quorate cluster: ${nodes} nodes, data and logs in ${dir}\n`);
  for (const id of cluster.ids) process.stdout.write(`  node ${id}: pid ${cluster.pid(id)} client ${cluster.url(id)}\n`);
  const tty = process.stdout.isTTY === true;
  let drawn = 0;
  let last = "";
  const draw = async (): Promise<void> => {
    const lines = await Promise.all(
      cluster.ids.map(async (id) => {
        const s = await cluster.status(id, 500);
        return s === undefined ? `node ${id}: not answering` : `node ${id}: ${s.role.padEnd(14)} term ${s.term}  commit ${s.commit}  applied ${s.applied}  leader ${s.leader || "-"}`;
      }),
    );
    const text = lines.join("\n");
    if (tty) {
      process.stdout.write(`${drawn > 0 ? `\x1b[${drawn}F` : ""}${lines.map((l) => `\x1b[2K${l}`).join("\n")}\n`);
      drawn = lines.length;
    } else if (text !== last) process.stdout.write(`${text}\n`);
    last = text;
  };
  let running = true;
  const loop = (async () => {
    while (running) {
      await draw();
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  await stopSignal;
  running = false;
  await loop;
  process.stdout.write("quorate cluster: stopping\n");
  await cluster.stop();
  return Exit.ok;
};
