/**
 * Randomized whole-cluster runs (the properties of Figure 3): ticks, lost, duplicated and reordered messages, crashes and restarts,
 * proposals, reads, conf changes, compaction. After every step every node's invariants hold, and across the
 * cluster: one leader per term (Election Safety), applied sequences agree (State Machine Safety), and every
 * committed entry is in every later leader's log (Leader Completeness).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lastIndex, termAt } from "../../src/core/raft/index.js";
import { Cluster, type ConfigOverrides } from "../raft/harness.js";

const SEED = 424242;

type Action =
  | { k: "tick"; node: number }
  | { k: "tick-all" }
  | { k: "flush"; pick: number }
  | { k: "deliver"; pick: number; dup: boolean }
  | { k: "drop"; pick: number }
  | { k: "propose"; node: number }
  | { k: "restart"; node: number }
  | { k: "read"; node: number }
  | { k: "compact"; node: number }
  | { k: "conf"; node: number; target: number; other: number; kind: number };

const node = fc.integer({ min: 1, max: 5 });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 15, arbitrary: fc.record({ k: fc.constant("tick" as const), node }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant("tick-all" as const) }) },
  { weight: 30, arbitrary: fc.record({ k: fc.constant("deliver" as const), pick: fc.nat(1000), dup: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant("flush" as const), pick: fc.nat(1000) }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant("drop" as const), pick: fc.nat(1000) }) },
  { weight: 12, arbitrary: fc.record({ k: fc.constant("propose" as const), node }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("restart" as const), node }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("read" as const), node }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("compact" as const), node }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("conf" as const), node, target: node, other: node, kind: fc.nat(4) }) },
);

function run(actions: readonly Action[], overrides: ConfigOverrides): void {
  const c = new Cluster([1, 2, 3, 4, 5], { electionTick: 3, heartbeatTick: 1, maxSizePerMsg: 64, ...overrides }, [1, 2, 3]);
  const committed = new Map<number, number>(); // index -> term, everything ever committed anywhere
  const seenCommit = new Map<number, number>(); // node -> commit index already recorded
  const checkedLeaders = new Set<string>();
  const leaderMarks = new Map<number, { term: number; index: number; entryTerm: number }>();
  let n = 0;
  const observe = (): void => {
    for (const s of c.nodes.values()) {
      const from = Math.max(seenCommit.get(s.id) ?? 0, s.log.offset) + 1;
      for (let i = from; i <= s.log.committed; i++) {
        const t = termAt(s, i)!;
        const prev = committed.get(i);
        if (prev !== undefined && prev !== t) throw new Error(`index ${i} committed with terms ${prev} and ${t}`);
        committed.set(i, t);
      }
      seenCommit.set(s.id, s.log.committed);
      // Leader Append-Only (§5.3): while it leads, a leader never overwrites or deletes its entries.
      const mark = leaderMarks.get(s.id);
      if (mark !== undefined && s.role === "leader" && s.term === mark.term && mark.index > s.log.offset) {
        if (termAt(s, mark.index) !== mark.entryTerm) throw new Error(`leader ${s.id} rewrote its entry ${mark.index} in term ${s.term}`);
      }
      if (s.role === "leader") leaderMarks.set(s.id, { term: s.term, index: lastIndex(s), entryTerm: termAt(s, lastIndex(s))! });
      else leaderMarks.delete(s.id);
      // Leader Completeness, checked once per new leader: it holds every entry committed so far.
      if (s.role === "leader" && !checkedLeaders.has(`${s.id}@${s.term}`)) {
        checkedLeaders.add(`${s.id}@${s.term}`);
        for (const [i, t] of committed) {
          if (i > s.log.offset && termAt(s, i) !== t) throw new Error(`leader ${s.id} (term ${s.term}) lacks committed entry ${i}`);
        }
      }
    }
  };
  for (const a of actions) {
    switch (a.k) {
      case "tick":
        c.step(a.node, { type: "tick" });
        break;
      case "tick-all":
        for (const id of c.nodes.keys()) c.step(id, { type: "tick" });
        break;
      case "flush": {
        // Deliver everything queued, in a scrambled order.
        let k = a.pick;
        for (let left = c.queue.length; left > 0 && c.queue.length > 0; left--) {
          k = (k * 1103515245 + 12345) >>> 0;
          const m = c.queue.splice(k % c.queue.length, 1)[0]!;
          c.step(m.to, { type: "message", message: m });
        }
        break;
      }
      case "deliver": {
        if (c.queue.length === 0) break;
        const i = a.pick % c.queue.length;
        const m = a.dup ? c.queue[i]! : c.queue.splice(i, 1)[0]!;
        c.step(m.to, { type: "message", message: m });
        break;
      }
      case "drop":
        if (c.queue.length > 0) c.queue.splice(a.pick % c.queue.length, 1);
        break;
      case "propose": {
        // Mostly to a leader (if any): proposals to followers are only refused.
        const leader = a.node <= 4 ? c.leader() : 0;
        c.step(leader === 0 ? a.node : leader, { type: "propose", data: new TextEncoder().encode(`p${n++}`) });
        break;
      }
      case "restart":
        c.restart(a.node);
        seenCommit.set(a.node, 0);
        break;
      case "read":
        c.step(a.node, { type: "read-index", requestId: n++ });
        break;
      case "compact": {
        const s = c.node(a.node);
        if (s.log.applying > s.log.offset) {
          c.step(a.node, { type: "applied", index: s.log.applying });
          c.step(a.node, { type: "snapshot", index: s.log.applying, data: new Uint8Array([a.node]) });
        }
        break;
      }
      case "conf": {
        // Mostly to a leader; one-step adds/removes, a joint swap, or leaving a joint configuration.
        const leader = c.leader();
        const to = leader === 0 ? a.node : leader;
        const kinds = ["add-voter", "add-learner", "remove-node"] as const;
        const change =
          a.kind < 3
            ? { changes: [{ type: kinds[a.kind]!, node: a.target }] }
            : a.kind === 3 && a.target !== a.other
              ? { changes: [{ type: "add-voter" as const, node: a.target }, { type: "remove-node" as const, node: a.other }] }
              : { changes: [] };
        c.step(to, { type: "conf-change", change });
        break;
      }
    }
    observe();
  }
  c.assertAppliedPrefixes();
  // Log Matching (§5.3): two logs holding an entry with the same index and term agree on every entry before it.
  const nodes = [...c.nodes.values()];
  for (const x of nodes) {
    for (const y of nodes) {
      const top = Math.min(lastIndex(x), lastIndex(y));
      let agreeFrom = -1;
      for (let i = top; i > Math.max(x.log.offset, y.log.offset); i--) {
        const t = termAt(x, i);
        if (agreeFrom === -1 && t === termAt(y, i)) agreeFrom = i;
        if (agreeFrom !== -1 && t !== termAt(y, i)) throw new Error(`logs of ${x.id} and ${y.id} match at ${agreeFrom} but differ at ${i}`);
      }
    }
  }
}

describe(`randomized cluster runs (seed ${SEED}; replay: npx vitest run test/properties/raft-cluster.test.ts)`, () => {
  it("plain Raft keeps its safety properties", () => {
    fc.assert(fc.property(fc.array(action, { minLength: 200, maxLength: 600 }), (actions) => run(actions, {})), { numRuns: 60, seed: SEED });
  });

  it("with pre-vote and check-quorum too", () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 200, maxLength: 600 }), (actions) => run(actions, { preVote: true, checkQuorum: true })),
      { numRuns: 60, seed: SEED + 1 },
    );
  });

  it("makes progress when the network is reliable (liveness sanity)", () => {
    const c = new Cluster([1, 2, 3, 4, 5], { electionTick: 4, heartbeatTick: 1 });
    c.tickAll(30);
    const l = c.leader();
    expect(l).not.toBe(0);
    c.propose(l as number, "done");
    for (const id of [1, 2, 3, 4, 5]) expect(c.appliedData(id)).toContain("done");
  });
});
