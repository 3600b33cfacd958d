/**
 * Lease reads (§6.4.1) under random schedules: three nodes whose ticks are out of phase (each ticks every
 * PHASES fine steps, at its own offset; no drift), messages delayed arbitrarily, lost, or cut off by a partition,
 * crashes and restarts from durable storage, and client reads and writes at whichever node believes it leads.
 * Property: no read is served at an index below the highest index committed anywhere before it was issued (it
 * would miss a completed write). Teeth: the same property, same seed, fails on etcd's check-quorum lease (the core
 * before §6.4.1) and on a leader that serves reads at once without any lease or check-quorum.
 *
 * Replay a failure: fast-check prints the seed and path; pass them to `fc.assert` as `{ seed, path }`.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as realCore from "../../src/core/raft/index.js";
import type { Entry, HardState, Message, Output, RaftState } from "../../src/core/raft/index.js";
import { MUTANTS, loadPatched } from "../simulator/mutants.js";

type RaftModule = Pick<typeof realCore, "createRaft" | "step">;

const IDS = [1, 2, 3] as const;
/** Fine steps per tick: a node ticks when (fine step + its phase) is a multiple of this. */
const PHASES = 4;
const ELECTION_TICK = 4;

type Command =
  | { readonly type: "fine" }
  | { readonly type: "deliver"; readonly pick: number }
  | { readonly type: "drop"; readonly pick: number }
  /** Cut `node` off for `fine` fine steps (unless one is cut off already): messages from or to it sent meanwhile are lost. */
  | { readonly type: "isolate"; readonly node: number; readonly fine: number }
  | { readonly type: "crash"; readonly node: number }
  | { readonly type: "read" }
  | { readonly type: "write" };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ type: "fine" } as const) },
  { weight: 20, arbitrary: fc.nat().map((pick) => ({ type: "deliver", pick }) as const) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ type: "drop", pick }) as const) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("isolate" as const), node: fc.constantFrom(...IDS), fine: fc.integer({ min: 4 * PHASES, max: 20 * PHASES }) }) },
  { weight: 1, arbitrary: fc.constantFrom(...IDS).map((node) => ({ type: "crash", node }) as const) },
  { weight: 4, arbitrary: fc.constant({ type: "read" } as const) },
  { weight: 3, arbitrary: fc.constant({ type: "write" } as const) },
);
const scenario = fc.record({
  phases: fc.tuple(fc.nat(PHASES - 1), fc.nat(PHASES - 1), fc.nat(PHASES - 1)),
  commands: fc.array(command, { minLength: 500, maxLength: 800 }),
});

interface Disk {
  hardState: HardState;
  entries: Entry[];
}

/** What a run saw: stale reads, and how many reads were served (at once, within a lease, or after a round). */
interface Outcome {
  readonly stale: string[];
  readonly served: number;
  readonly servedAtOnce: number;
}

/** Runs one scenario on `core`. */
function run(core: RaftModule, phases: readonly number[], commands: readonly Command[]): Outcome {
  const config = (id: number) => ({ id, voters: [...IDS], electionTick: ELECTION_TICK, heartbeatTick: 1, checkQuorum: true, readOnly: "lease-based" as const, seed: id });
  const nodes = new Map<number, RaftState>(IDS.map((id) => [id, core.createRaft(config(id))]));
  const disks = new Map<number, Disk>(IDS.map((id) => [id, { hardState: { term: 0, vote: 0, commit: 0 }, entries: [] }]));
  const net: Message[] = [];
  let isolated = 0;
  let isolatedUntil = 0;
  let committedEver = 0;
  let nextRead = 1;
  /** Reads not yet served: request id → the highest index committed anywhere when it was issued. */
  const reads = new Map<number, number>();
  const stale: string[] = [];
  let served = 0;
  let servedAtOnce = 0;

  const stepNode = (id: number, input: Parameters<typeof realCore.step>[1]): Output[] => {
    const { state, outputs } = core.step(nodes.get(id)!, input);
    nodes.set(id, state);
    const disk = disks.get(id)!;
    let ack: { index: number; term: number } | undefined;
    for (const o of outputs) {
      if (o.type === "persist") {
        if (o.truncateFrom !== undefined) disk.entries = disk.entries.filter((e) => e.index < o.truncateFrom!);
        if (o.entries !== undefined && o.entries.length > 0) {
          const first = o.entries[0]!.index;
          disk.entries = [...disk.entries.filter((e) => e.index < first), ...o.entries];
          const last = o.entries[o.entries.length - 1]!;
          ack = { index: last.index, term: last.term };
        }
        if (o.hardState !== undefined) disk.hardState = o.hardState;
      } else if (o.type === "send") {
        if (o.message.from !== isolated && o.message.to !== isolated) net.push(o.message);
      } else if (o.type === "read-ready") {
        const before = reads.get(o.requestId as number)!;
        reads.delete(o.requestId as number);
        served++;
        if (o.index < before) stale.push(`read ${String(o.requestId)} served at index ${o.index} by node ${id}, but index ${before} was committed before it was issued`);
      }
    }
    committedEver = Math.max(committedEver, state.log.committed);
    // Storage is synchronous here: what a step wrote is durable at once (acknowledged before the next input).
    if (ack !== undefined) stepNode(id, { type: "persisted", ...ack });
    return outputs;
  };
  const leaders = () => IDS.filter((id) => nodes.get(id)!.role === "leader");

  let fine = 0;
  for (const c of commands) {
    switch (c.type) {
      case "fine":
        fine++;
        if (fine >= isolatedUntil) isolated = 0;
        for (const id of IDS) if ((fine + phases[id - 1]!) % PHASES === 0) stepNode(id, { type: "tick" });
        break;
      case "deliver":
      case "drop": {
        if (net.length === 0) break;
        const [m] = net.splice(c.pick % net.length, 1);
        if (c.type === "deliver") stepNode(m!.to, { type: "message", message: m! });
        break;
      }
      case "isolate":
        if (isolated !== 0) break; // one partition at a time
        isolated = c.node;
        isolatedUntil = fine + c.fine;
        break;
      case "crash": {
        const disk = disks.get(c.node)!;
        const persisted = disk.hardState.term === 0 && disk.entries.length === 0 ? undefined : { hardState: disk.hardState, entries: [...disk.entries] };
        nodes.set(c.node, core.createRaft(config(c.node), persisted));
        break;
      }
      case "read":
        for (const id of leaders()) {
          const requestId = nextRead++;
          reads.set(requestId, committedEver);
          const out = stepNode(id, { type: "read-index", requestId });
          if (out.some((o) => o.type === "read-ready" && o.requestId === requestId)) servedAtOnce++;
        }
        break;
      case "write":
        for (const id of leaders()) stepNode(id, { type: "propose", data: new Uint8Array([1]) });
        break;
    }
  }
  return { stale, served, servedAtOnce };
}

const SEED = 20261205;
const RUNS = 300;

/** The property on `core`: no stale read in any run; `totals` sums what the runs served. */
function noStaleRead(core: RaftModule, totals?: { served: number; atOnce: number }) {
  return fc.property(scenario, ({ phases, commands }) => {
    const o = run(core, phases, commands);
    if (totals !== undefined) {
      totals.served += o.served;
      totals.atOnce += o.servedAtOnce;
    }
    return o.stale.length === 0;
  });
}

describe("lease reads under random schedules with ticks out of phase (§6.4.1)", () => {
  it("the real core serves no stale read, and serves reads both at once and after a round", () => {
    const totals = { served: 0, atOnce: 0 };
    fc.assert(noStaleRead(realCore, totals), { numRuns: RUNS, seed: SEED });
    // Not vacuous: leaders are elected, cut off and replaced, and reads are served, within a lease and without.
    expect(totals.atOnce).toBeGreaterThan(1000);
    expect(totals.served - totals.atOnce).toBeGreaterThan(500);
  });

  // Teeth. Subtler mutants survive such schedules — a lease of a full election timeout (no margin for ticks out of
  // phase) and a lease counted from when answers arrive each pass 1,000 of them, a restarted node that votes at once
  // 300 — and are caught by the timelines of transfer-read.test.ts and the explorer's pinned paths
  // (test/explore/raft-mutants.test.ts).
  it.each([
    // No lease check and no check-quorum step-down: a cut-off leader serves reads at once for ever.
    ["lease-read-without-check-quorum", MUTANTS.find((x) => x.name === "lease-read-without-check-quorum")!.patches],
    // etcd's lease, the core's before §6.4.1: at once whenever it leads, trusting check-quorum to step it down.
    ["lease-from-check-quorum", [{ file: "read-only.ts", search: 'if (s.opts.readOnly === "lease-based" && leaseHeld(s)) {', replace: 'if (s.opts.readOnly === "lease-based") {' }]],
  ] as const)("teeth: %s serves a stale read on the same schedules", async (name, patches) => {
    const patched = (await loadPatched({ name, patches }, "lease-property", "src/core/raft/index.ts")) as RaftModule;
    const r = fc.check(noStaleRead(patched), { numRuns: RUNS, seed: SEED, endOnFailure: true });
    expect(r.failed, `${name} survived ${RUNS} random schedules`).toBe(true);
  });
});
