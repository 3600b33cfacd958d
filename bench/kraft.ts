/**
 * `npm run bench -- kraft [--records N] [--batch B] [--observers K] [--repeat R]`: replication throughput of
 * the KRaft core in a synchronous in-memory 3-voter cluster (storage acknowledges at once, no network delay).
 * Reports committed records per second and core steps per second; best of R repeats.
 */
import { parseArgs } from "node:util";
import { createKRaft, highWatermark, role, step } from "../src/core/kraft/index.js";
import type { Input, KRaftState, Message } from "../src/core/kraft/index.js";

interface Result {
  records: number;
  steps: number;
  ms: number;
}

function once(records: number, batch: number, observers: number): Result {
  const voters = [1, 2, 3];
  const ids = [...voters, ...Array.from({ length: observers }, (_, i) => 100 + i)];
  const nodes = new Map<number, KRaftState>(ids.map((id) => [id, createKRaft({ id, voters, seed: id })]));
  const queue: Message[] = [];
  let steps = 0;
  const input = (id: number, i: Input): void => {
    const r = step(nodes.get(id)!, i);
    steps++;
    nodes.set(id, r.state);
    let end = -1;
    let epoch = 0;
    for (const o of r.outputs) {
      if (o.type === "send") queue.push(o.message);
      else if (o.type === "persist" && o.entries && o.entries.length > 0) {
        const last = o.entries[o.entries.length - 1]!;
        end = last.offset + 1;
        epoch = last.epoch;
      }
    }
    if (end >= 0) input(id, { type: "persisted", endOffset: end, epoch });
  };
  const drain = (): void => {
    for (let i = 0; i < queue.length; i++) input(queue[i]!.to, { type: "message", message: queue[i]! });
    queue.length = 0;
  };
  const leader = (): number | undefined => voters.find((id) => role(nodes.get(id)!) === "leader");
  while (leader() === undefined) {
    for (const id of ids) input(id, { type: "tick" });
    drain();
  }
  const l = leader()!;
  for (let i = 0; i < 20; i++) {
    for (const id of ids) input(id, { type: "tick" });
    drain();
  }
  const payload = new Uint8Array(64);
  const base = highWatermark(nodes.get(l)!);
  const start = performance.now();
  steps = 0;
  let proposed = 0;
  while (highWatermark(nodes.get(l)!) - base < records) {
    if (proposed < records) {
      const n = Math.min(batch, records - proposed);
      input(l, { type: "append", records: Array.from({ length: n }, () => payload) });
      proposed += n;
    }
    drain();
    if (queue.length === 0 && highWatermark(nodes.get(l)!) - base < records) {
      for (const id of ids) input(id, { type: "tick" });
      drain();
    }
  }
  return { records, steps, ms: performance.now() - start };
}

export async function run(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      records: { type: "string", default: "100000" },
      batch: { type: "string", default: "100" },
      observers: { type: "string", default: "0" },
      repeat: { type: "string", default: "3" },
    },
  });
  const records = Number(values.records);
  const batch = Number(values.batch);
  const observers = Number(values.observers);
  const repeat = Number(values.repeat);
  let best: Result | null = null;
  for (let i = 0; i < repeat; i++) {
    const r = once(records, batch, observers);
    if (best === null || r.ms < best.ms) best = r;
  }
  const b = best!;
  process.stdout.write(
    JSON.stringify({
      suite: "kraft",
      voters: 3,
      observers,
      batch,
      records: b.records,
      bestMs: Math.round(b.ms),
      recordsPerSec: Math.round((b.records / b.ms) * 1000),
      stepsPerSec: Math.round((b.steps / b.ms) * 1000),
      note: "synchronous in-memory driver on a shared 2-core machine; best of repeats",
    }) + "\n",
  );
}
