// Property: a clone is a true copy. For random runs of a 3-node Raft cluster (deliveries, drops, ticks,
// explicit timeouts, proposals, storage acknowledgements), stepping clones never changes the originals, and
// the originals and fresh clones of them, given the same inputs, stay equal (fingerprints and outputs).
// Replay a failure: the seed and path fast-check prints, with fc.assert's { seed, path }.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { raftCore } from "../../src/core/raft/index.js";
import type { Input, Output, RaftState } from "../../src/core/raft/index.js";
import { OPEN_ACL_UNSAFE, cloneTree, type ClientRequest } from "../../src/core/zk/index.js";
import { zkEnsembleCore } from "../../src/core/zk-ensemble/index.js";
import type { ReplicaInput, ReplicaOutput, ReplicaState } from "../../src/core/zk-ensemble/index.js";

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

/**
 * Each node's fingerprint, plus its peers' progress: a true copy copies everything mutable, even a non-leader's
 * progress, which the fingerprint leaves out (dead until `becomeLeader` resets it).
 */
const fps = (w: World): string[] =>
  w.nodes.map((n) => `${raftCore.fingerprint(n)} ${JSON.stringify([...n.tracker.progress.values()].map((p) => [p.id, p.match, p.next, p.state, p.recentActive, p.inflights.count]))}`);

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

// The replicated ZooKeeper replica: its clone copies connections, queues and session bookkeeping by hand.
interface EnsembleWorld {
  nodes: ReplicaState[];
  queue: { to: number; input: ReplicaInput }[];
  nextConn: number;
}

/** Three replicas that elected replica 1 and hold a session on its connection 1 (everything delivered in order). */
function freshEnsemble(): EnsembleWorld {
  const w: EnsembleWorld = { nodes: IDS.map((id) => zkEnsembleCore.create({ id, replicas: IDS, seed: id, tickMs: 10, electionTick: 5, heartbeatTick: 1 })), queue: [], nextConn: 2 };
  const drain = (): void => {
    for (let k = 0; k < 500 && w.queue.length > 0; k++) {
      const item = w.queue.shift()!;
      ensembleStep(w, item.to, item.input);
    }
  };
  ensembleStep(w, 1, { type: "timeout", timer: "election" });
  drain();
  ensembleStep(w, 1, { type: "connect", conn: 1, timeoutMs: 4000 });
  drain();
  return w;
}

const create = (path: string): ClientRequest => ({ type: "create", opcode: 1, path, data: new Uint8Array([1]), acl: OPEN_ACL_UNSAFE, flags: 0, ttl: -1 });

/** One random move; deliveries dominate so that elections, sessions and writes get somewhere. */
function ensembleMove(w: EnsembleWorld, choice: number): readonly ReplicaOutput[] {
  const kind = choice % 10;
  const arg = Math.floor(choice / 10);
  let to = IDS[arg % IDS.length]!;
  let input: ReplicaInput;
  if (kind <= 6 && w.queue.length > 0) {
    const [item] = w.queue.splice(arg % w.queue.length, 1);
    if (kind === 6) return []; // dropped
    to = item!.to;
    input = item!.input;
  } else if (kind <= 6 || kind === 7) input = { type: "tick" };
  else if (kind === 8) input = arg % 4 === 0 ? { type: "timeout", timer: "election" } : { type: "connect", conn: w.nextConn++, timeoutMs: 4000 };
  else input = { type: "request", conn: 1 + (arg % Math.max(1, w.nextConn - 1)), xid: 100 + arg, request: create(`/n${arg}`) };
  return ensembleStep(w, to, input);
}

function ensembleStep(w: EnsembleWorld, to: number, input: ReplicaInput): readonly ReplicaOutput[] {
  const r = zkEnsembleCore.step(w.nodes[to - 1]!, input);
  w.nodes[to - 1] = r.state;
  for (const o of r.outputs) {
    if (o.type === "send") w.queue.push({ to: o.to, input: { type: "message", message: o.message } });
    if (o.type === "persist" && o.write.entries !== undefined && o.write.entries.length > 0) {
      const last = o.write.entries[o.write.entries.length - 1]!;
      w.queue.push({ to, input: { type: "persisted", index: last.index, term: last.term } });
    }
  }
  return r.outputs;
}

function ensembleCloneIsACopy(clone: (s: ReplicaState) => ReplicaState) {
  const choices = fc.array(fc.nat(2000), { minLength: 1, maxLength: 150 });
  const copy = (w: EnsembleWorld): EnsembleWorld => ({ nodes: w.nodes.map((n) => clone(n)), queue: w.queue.slice(), nextConn: w.nextConn });
  const efps = (w: EnsembleWorld): bigint[] => w.nodes.map((n) => zkEnsembleCore.fingerprint(n));
  return fc.property(choices, choices, choices, (prefix, divergent, common) => {
    const w = freshEnsemble();
    for (const c of prefix) ensembleMove(w, c);
    const before = efps(w);
    const other = copy(w);
    for (const c of divergent) ensembleMove(other, c);
    expect(efps(w)).toEqual(before);
    const twin = copy(w);
    for (const c of common) {
      expect(ensembleMove(twin, c)).toEqual(ensembleMove(w, c));
      expect(efps(twin)).toEqual(efps(w));
    }
  });
}

describe("clone is a true copy (replicated ZooKeeper, random runs)", () => {
  it("stepping clones never changes the originals; originals and their clones stay equal under equal inputs", () => {
    const start = freshEnsemble();
    expect(start.nodes[0]!.raft.role).toBe("leader");
    expect(start.nodes.every((n) => n.tree.sessions.size === 1)).toBe(true);
    fc.assert(ensembleCloneIsACopy(zkEnsembleCore.clone), { numRuns: 40, seed: 20261205 });
  });

  it("the property has teeth: clones that share the connections, or the tree without copy-on-write, are caught", () => {
    const sharedConns = (s: ReplicaState): ReplicaState => ({ ...zkEnsembleCore.clone(s), conns: s.conns });
    // The real clone shares the tree copy-on-write (frozen, copied at the first write); this one shares a fresh,
    // unfrozen copy with the original, so the first write to either changes both.
    const sharedTree = (s: ReplicaState): ReplicaState => {
      const c = zkEnsembleCore.clone(s);
      s.tree = cloneTree(s.tree);
      return { ...c, tree: s.tree };
    };
    for (const broken of [sharedConns, sharedTree]) expect(fc.check(ensembleCloneIsACopy(broken), { numRuns: 40, seed: 20261205 }).failed).toBe(true);
  });
});
