import { describe, expect, it } from "vitest";
import * as real from "../../src/check/explore/index.js";
import { Hasher } from "../../src/core/fingerprint.js";
import { Network, type Envelope } from "../../src/check/explore/network.js";
import type { Message } from "../../src/core/raft/index.js";

/**
 * The narrower spaces that reach deep Raft counterexamples in fewer steps (docs/explore.md, "Reaching deep
 * counterexamples"): `--storage async-raced`, `max-partitions`, and the symmetry representative that hashes
 * only the renamings sorting the nodes. Each must narrow the space, never invent a behaviour.
 */
type RaftModel = real.Model<real.RaftSystemState, real.SystemAction<Message, unknown>>;
const raftModel = (o: Omit<real.RaftSystemOptions, "nodes">): RaftModel => real.actorModel(real.raftSystem({ nodes: 3, ...o })) as unknown as RaftModel;

/** The state after the actions whose descriptions contain each selector's parts (exactly one must match). */
function walk(model: RaftModel, selectors: readonly (readonly string[])[]): real.RaftSystemState {
  let state = model.init()[0]!;
  for (const parts of selectors) {
    const actions: real.SystemAction<Message, unknown>[] = [];
    model.actions(state, actions);
    const matching = actions.filter((a) => parts.every((p) => JSON.stringify(model.describe(a)).includes(p)));
    if (matching.length !== 1) throw new Error(`${parts.join(" ")}: ${matching.length} actions match`);
    state = model.next(state, matching[0]!)!;
  }
  return state;
}

/** Every state's fingerprint, exhaustively (a small space). */
function fingerprints(model: RaftModel): Set<bigint> {
  const seen = new Set<bigint>();
  const queue = model.init().filter((s) => model.within!(s));
  for (const s of queue) seen.add(model.fingerprint(s));
  for (let i = 0; i < queue.length; i++) {
    const actions: real.SystemAction<Message, unknown>[] = [];
    model.actions(queue[i]!, actions);
    for (const a of actions) {
      const next = model.next(queue[i]!, a);
      if (next === undefined || !model.within!(next)) continue;
      const fp = model.fingerprint(next);
      if (seen.has(fp)) continue;
      seen.add(fp);
      queue.push(next);
    }
  }
  return seen;
}

const env = (src: number, dst: number, msg: string): Envelope<string> => ({ src, dst, msg, h: new Hasher().int(src).int(dst).str(msg).digest() });

describe("--storage async-raced", () => {
  const small = { maxTerm: 1, maxLog: 1, maxCrashes: 0, maxInFlight: 3 };

  it("makes a write durable at once unless a send of its step left before it", () => {
    const campaign = [['"type":"timeout"', '"node":1']];
    // A candidate's vote for itself: no send precedes the write, so it is durable at once under async-raced.
    const raced = walk(raftModel({ bounds: small, storage: "async-raced" }), campaign);
    expect(raced.writes[0]).toHaveLength(0);
    expect(raced.disks[0]!.hardState).toMatchObject({ term: 1, vote: 1 });
    // The contract order leaves it in flight; its vote requests wait for it.
    const contract = walk(raftModel({ bounds: small, storage: "async-contract" }), campaign);
    expect(contract.writes[0]).toHaveLength(1);
    expect(contract.net.size).toBe(0);
    // A new leader sends its appends before writing its no-op (§10.2.1): that write races them and stays in flight.
    const leader = walk(raftModel({ bounds: small, storage: "async-raced" }), [...campaign, ['"to":2', '"type":"vote"'], ['"to":1', '"type":"vote-response"']]);
    expect(leader.nodes[0]!.role).toBe("leader");
    expect(leader.writes[0]).toHaveLength(1);
    expect(leader.disks[0]!.entries).toHaveLength(0);
    expect([...leader.net.all()].filter((e) => e.msg.type === "append")).toHaveLength(2);
  });

  it("reaches only states the contract order reaches, and fewer of them (with a crash; the mutant test checks a larger space)", () => {
    const withCrash = { maxTerm: 1, maxLog: 0, maxCrashes: 1, maxInFlight: 3 };
    const raced = fingerprints(raftModel({ bounds: withCrash, storage: "async-raced" }));
    const contract = fingerprints(raftModel({ bounds: withCrash, storage: "async-contract" }));
    const outside = [...raced].filter((fp) => !contract.has(fp));
    expect(outside).toEqual([]);
    expect(raced.size * 2).toBeLessThan(contract.size);
  });
});

describe("max-partitions", () => {
  const bounds = { maxTerm: 1, maxLog: 1, maxCrashes: 0, maxInFlight: 3, maxPartitions: 1 };

  it("cuts a node off once per path: its messages in flight and every later one to or from it are lost", () => {
    const model = raftModel({ bounds });
    const campaigning = walk(model, [['"type":"timeout"', '"node":1']]);
    expect(campaigning.net.size).toBe(2);
    const cut = walk(model, [['"type":"timeout"', '"node":1'], ['"type":"isolate"', '"node":2']]);
    expect(cut.isolated).toBe(0b010);
    expect([...cut.net.all()].map((e) => [e.src, e.dst])).toEqual([[1, 3]]);
    const actions: real.SystemAction<Message, unknown>[] = [];
    model.actions(cut, actions);
    expect(actions.filter((a) => a.type === "isolate")).toEqual([]);
    // Node 3 answers node 1; node 1's next campaign reaches node 3 only.
    const later = walk(model, [['"type":"timeout"', '"node":1'], ['"type":"isolate"', '"node":2'], ['"to":3', '"type":"vote"'], ['"type":"timeout"', '"node":2']]);
    expect(later.nodes[1]!.term).toBe(1);
    expect([...later.net.all()].map((e) => [e.src, e.dst, e.msg.type])).toEqual([[3, 1, "vote-response"]]);
    expect(model.fingerprint(cut)).not.toBe(model.fingerprint(walk(model, [['"type":"timeout"', '"node":1'], ['"type":"isolate"', '"node":3']])));
  });

  it("adds no state without partitions, and a partition only removes messages: the symmetric count stays canonical", () => {
    const without = real.explore(raftModel({ bounds: { ...bounds, maxPartitions: 0 } }) as real.Model<unknown, unknown>);
    expect(without.states).toBe(2644);
    const plain = real.explore(raftModel({ bounds }) as real.Model<unknown, unknown>);
    const reduced = real.explore(raftModel({ bounds }) as real.Model<unknown, unknown>, { symmetry: true });
    expect(plain.ok && reduced.ok).toBe(true);
    expect(plain.states).toBeGreaterThan(without.states);
    expect(reduced.states * 3).toBeLessThan(plain.states);
    expect(reduced.states * 6).toBeGreaterThanOrEqual(plain.states);
  });

  it("loses messages anywhere in a link's queue on an ordered network", () => {
    const n = new Network<string>("ordered");
    n.send(env(1, 2, "a"));
    n.send(env(3, 2, "b"));
    n.send(env(1, 2, "c"));
    n.loseWhere((e) => e.msg === "c");
    expect([...n.all()].map((e) => e.msg)).toEqual(["a", "b"]);
    n.loseWhere((e) => e.src === 1);
    expect([...n.deliverable()].map((e) => e.msg)).toEqual(["b"]);
    const bag = new Network<string>("unordered");
    bag.send(env(1, 2, "a"));
    bag.send(env(1, 2, "a"));
    bag.send(env(2, 1, "b"));
    bag.loseWhere((e) => e.dst === 2);
    expect(bag.size).toBe(1);
  });
});

describe("symmetry representative", () => {
  it("keeps the documented class counts (446 and 3,876): the same classes as hashing every renaming", () => {
    const count = (maxCrashes: number) => real.explore(raftModel({ bounds: { maxTerm: 1, maxLog: 1, maxCrashes, maxInFlight: 3 } }) as real.Model<unknown, unknown>, { symmetry: true }).states;
    expect(count(0)).toBe(446);
    expect(count(1)).toBe(3876);
  });

  it("gives every renaming of a state the same representative", () => {
    // Walk a path, then the same path with nodes 1 and 3 swapped: the two states are renamings of each other.
    const model = raftModel({ bounds: { maxTerm: 2, maxLog: 2, maxCrashes: 1, maxInFlight: 4 } });
    const path = (a: number, b: number, c: number) => [
      ['"type":"timeout"', `"node":${a}`],
      [`"to":${b}`, '"type":"vote"'],
      [`"to":${a}`, '"type":"vote-response"'],
      [`"to":${c}`, '"type":"vote"'],
      ['"type":"crash"', `"node":${b}`],
    ];
    const one = walk(model, path(1, 2, 3));
    const other = walk(model, path(3, 2, 1));
    const third = walk(model, path(2, 1, 3));
    expect(model.fingerprint(one)).not.toBe(model.fingerprint(other));
    expect(model.representative!(one)).toBe(model.representative!(other));
    expect(model.representative!(one)).toBe(model.representative!(third));
    // The same moves with another node crashed (the candidate itself) is another class.
    const notRenaming = walk(model, [['"type":"timeout"', '"node":1'], ['"to":2', '"type":"vote"'], ['"to":1', '"type":"vote-response"'], ['"to":3', '"type":"vote"'], ['"type":"crash"', '"node":1']]);
    expect(model.representative!(notRenaming)).not.toBe(model.representative!(one));
  });
});
