/**
 * `npm run bench -- contract [--entries N] [--json]`: the price of the contract's `clone` and `fingerprint`.
 *
 * For a Raft leader and a KRaft leader holding N log entries (default 1,000; 64-byte payloads), a replicated
 * ZooKeeper replica with a few hundred znodes, and a Kafka node: operations per second of `clone`,
 * `fingerprint`, and — the anchor, measured in the same run — `structuredClone` (a deep copy). A cheap clone
 * shares the immutable entries, so it is far faster than the deep copy and grows only with the spine.
 */
import { parseArgs } from "node:util";

interface Core<S> {
  readonly name: string;
  clone(s: S): S;
  fingerprint(s: S): bigint;
}
interface Dist {
  raftCore: Core<unknown> & { create(c: unknown): unknown; step(s: unknown, i: unknown): { state: unknown; outputs: readonly { type: string }[] } };
  kraftCore: Core<unknown> & { create(c: unknown): unknown; step(s: unknown, i: unknown): { state: unknown; outputs: readonly { type: string; entries?: readonly { offset: number; epoch: number }[] }[] } };
}

/** Runs `f` for about `ms` milliseconds (after a warm-up); operations per second. */
function opsPerSec(f: () => void, ms = 400): number {
  for (let i = 0; i < 50; i++) f();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 20; i++) f();
    n += 20;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

export async function run(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({ args: [...argv], options: { entries: { type: "string" }, json: { type: "boolean" } } });
  const entries = Number(values.entries ?? 1000);
  const core = (await import(new URL("../dist/core/index.js", import.meta.url).href)) as Dist;
  const payload = new Uint8Array(64).fill(7);

  // A lone Raft leader (one voter) with `entries` committed entries.
  const { raftCore, kraftCore } = core;
  let r = raftCore.step(raftCore.create({ id: 1, voters: [1, 2, 3], electionTick: 10, heartbeatTick: 1, seed: 1 }), { type: "timeout", timer: "election" }).state;
  for (const from of [2, 3]) r = raftCore.step(r, { type: "message", message: { type: "vote-response", from, to: 1, term: 1, reject: false } }).state;
  for (let i = 0; i < entries; i++) r = raftCore.step(r, { type: "propose", data: payload }).state;

  // A lone KRaft leader with `entries` records.
  let k = kraftCore.step(kraftCore.create({ id: 1, voters: [1], seed: 1 }), { type: "timeout", timer: "election" }).state;
  for (let i = 0; i < 5; i++) k = kraftCore.step(k, { type: "tick" }).state;
  for (let i = 0; i < entries; i++) {
    const step = kraftCore.step(k, { type: "append", records: [payload] });
    k = step.state;
  }

  const cases = [
    { name: `raft/leader/${entries}-entries`, state: r, core: raftCore },
    { name: `kraft/leader/${entries}-entries`, state: k, core: kraftCore },
  ].map((c) => ({
    name: c.name,
    cloneOpsPerSec: Math.round(opsPerSec(() => c.core.clone(c.state))),
    structuredCloneOpsPerSec: Math.round(opsPerSec(() => structuredClone(c.state))),
    fingerprintOpsPerSec: Math.round(opsPerSec(() => c.core.fingerprint(c.state))),
  }));
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify({ cases })}\n`);
    return;
  }
  process.stdout.write("contract: clone and fingerprint (structuredClone is the anchor, same run)\n");
  for (const c of cases) {
    const x = (c.cloneOpsPerSec / c.structuredCloneOpsPerSec).toFixed(0);
    process.stdout.write(
      `  ${c.name}: clone ${c.cloneOpsPerSec.toLocaleString("en")}/s (${x}× structuredClone's ${c.structuredCloneOpsPerSec.toLocaleString("en")}/s); fingerprint ${c.fingerprintOpsPerSec.toLocaleString("en")}/s\n`,
    );
  }
}
