// Property: a clone is a true copy. For random runs of a 3-node Raft cluster (deliveries, drops, ticks,
// explicit timeouts, proposals, storage acknowledgements), stepping clones never changes the originals, and
// the originals and fresh clones of them, given the same inputs, stay equal (fingerprints and outputs).
// Replay a failure: the seed and path fast-check prints, with fc.assert's { seed, path }.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { raftCore } from "../../src/core/raft/index.js";
import type { Input, Output, RaftState } from "../../src/core/raft/index.js";

const IDS = [1, 2, 3];
interface World {
  nodes: RaftState[];
  queue: { to: number; input: Input }[];
}

function fresh(): World {
  return { nodes: IDS.map((id) => raftCore.create({ id, voters: IDS, electionTick: 5, heartbeatTick: 1, seed: id, preVote: true, checkQuorum: true })), queue: [] };
}

/** One choice: an index into the possible moves (deliver or drop a queued input, tick, time out, propose). */
function move(w: World, choice: number): Output[] {
  const kinds = 5;
  const kind = choice % kinds;
  const arg = Math.floor(choice / kinds);
  let to: number;
  let input: Input;
  if ((kind === 0 || kind === 1) && w.queue.length > 0) {
    const [item] = w.queue.splice(arg % w.queue.length, 1);
    if (kind === 1) return []; // dropped
    to = item!.to;
    input = item!.input;
  } else {
    to = IDS[arg % IDS.length]!;
    input = kind === 2 ? { type: "tick" } : kind === 3 ? { type: "timeout", timer: arg % 2 === 0 ? "election" : "heartbeat" } : { type: "propose", data: new Uint8Array([arg & 255]) };
  }
  const r = raftCore.step(w.nodes[to - 1]!, input);
  w.nodes[to - 1] = r.state;
  const outputs = [...r.outputs];
  for (const o of outputs) {
    if (o.type === "send") w.queue.push({ to: o.to, input: { type: "message", message: o.message } });
    if (o.type === "persist" && o.entries !== undefined && o.entries.length > 0) {
      const last = o.entries[o.entries.length - 1]!;
      w.queue.push({ to, input: { type: "persisted", index: last.index, term: last.term } });
    }
  }
  return outputs;
}

type Clone = (s: RaftState) => RaftState;

function cloneWorld(w: World, clone: Clone): World {
  return { nodes: w.nodes.map((n) => clone(n)), queue: w.queue.slice() };
}

const fps = (w: World): bigint[] => w.nodes.map((n) => raftCore.fingerprint(n));

/** The property, for a given clone function. */
function cloneIsACopy(clone: Clone) {
  const choices = fc.array(fc.nat(1000), { minLength: 1, maxLength: 120 });
  return fc.property(choices, choices, choices, (prefix, divergent, common) => {
    const w = fresh();
    for (const c of prefix) move(w, c);
    const before = fps(w);
    // A clone goes its own way: the originals do not move.
    const other = cloneWorld(w, clone);
    for (const c of divergent) move(other, c);
    expect(fps(w)).toEqual(before);
    // The originals and a fresh clone, fed alike, stay alike: same outputs, same fingerprints.
    const twin = cloneWorld(w, clone);
    expect(fps(twin)).toEqual(before);
    for (const c of common) {
      expect(move(twin, c)).toEqual(move(w, c));
      expect(fps(twin)).toEqual(fps(w));
    }
  });
}

describe("clone is a true copy (Raft, random runs)", () => {
  it("stepping clones never changes the originals; originals and their clones stay equal under equal inputs", () => {
    fc.assert(cloneIsACopy(raftCore.clone), { numRuns: 60, seed: 20261205 });
  });

  it("the property has teeth: clones that share the log's entry array, or the peers' progress, are caught", () => {
    const sharedLog: Clone = (s) => {
      const c = raftCore.clone(s);
      return { ...c, log: { ...c.log, entries: s.log.entries } };
    };
    const sharedProgress: Clone = (s) => {
      const c = raftCore.clone(s);
      return { ...c, tracker: { ...c.tracker, progress: s.tracker.progress } };
    };
    for (const broken of [sharedLog, sharedProgress]) expect(fc.check(cloneIsACopy(broken), { numRuns: 60, seed: 20261205 }).failed).toBe(true);
  });
});
