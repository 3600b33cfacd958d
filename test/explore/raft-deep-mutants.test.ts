import { describe, expect, it } from "vitest";
import * as real from "../../src/check/explore/index.js";
import { MUTANTS, loadPatched } from "../simulator/mutants.js";
import { walkSelectors, type Selectors } from "../support/explore-walk.js";

type Explore = typeof real;
type AnyModel = real.Model<unknown, unknown>;

/**
 * The two Raft mutants whose counterexamples need Raft's Figure 8 — an old term's entry, a second term, and a
 * follower that acknowledges a prefix of the new leader's log — found by exploration. Their shortest paths are
 * too deep (15 and 21 steps) for a breadth-first search from the initial state within a test's time, so:
 * - each counterexample is pinned as a path (selectors of the explorer's actions) that replays to the violation
 *   on the mutant and to none on the real core;
 * - the explorer finds each from a state on that path (a "directed" search: a fixed prefix, then every
 *   interleaving, breadth-first, within bounds), and the real core explored alike from the same state breaks
 *   nothing. docs/explore.md gives the search from the initial state (commit-old-term-by-counting: 15 steps).
 * raft-mutants-from-init.test.ts finds both from the initial state in narrowed spaces (a partition; writes
 * that nothing raced made durable at once), by paths of 16 and 12 steps.
 */
interface DeepCase {
  readonly mutant: string;
  readonly options: Omit<real.RaftSystemOptions, "nodes">;
  readonly invariant: string;
  /** The counterexample: each step selects the one enabled action whose description contains every part. */
  readonly path: readonly (readonly string[])[];
  /** Steps of the path taken as the prefix of the directed search. */
  readonly prefix: number;
}

const vote = (to: number, term: number) => ['"type":"deliver"', `"to":${to}`, '"type":"vote"', `"term":${term}`];
const voted = (to: number, term: number) => ['"type":"deliver"', `"to":${to}`, '"type":"vote-response"', `"term":${term}`];
const append = (to: number, term: number, ...more: string[]) => ['"type":"deliver"', `"to":${to}`, '"type":"append"', `"term":${term}`, ...more];
const acked = (to: number, term: number, ...more: string[]) => ['"type":"deliver"', `"to":${to}`, '"type":"append-response"', `"term":${term}`, ...more];
const timeout = (node: number) => ['"type":"timeout"', `"node":${node}`, '"timer":"election"'];
const disk = (node: number) => ['"type":"disk"', `"node":${node}`];
const propose = (node: number) => ['"type":"input"', `"node":${node}`];

const CASES: readonly DeepCase[] = [
  {
    // Node 1 leads term 1 and writes entry 2 to node 2 only; node 2 leads term 2 with node 3's vote; node 3,
    // holding entry 1 alone, takes entry 2 (term 1) in an append of its own (a 2-byte proposal fills the 1-byte
    // message limit, so node 2's empty no-op does not ride along) and acknowledges index 2: the mutant counts
    // node 2 and node 3 and commits the old term's entry.
    mutant: "commit-old-term-by-counting",
    options: { bounds: { maxTerm: 2, maxLog: 3, maxCrashes: 0, maxInFlight: 7 }, payloadBytes: 2, heartbeats: false },
    invariant: "commit-current-term",
    path: [
      timeout(1),
      vote(2, 1),
      voted(1, 1),
      append(2, 1, "[[1,1]]"),
      acked(1, 1),
      propose(1),
      append(2, 1, "[[2,1]]"),
      append(3, 1, "[[1,1]]"),
      timeout(2),
      vote(3, 2),
      voted(2, 2),
      append(3, 2, "[[3,2]]"),
      acked(2, 2, '"reject":true'),
      append(3, 2, "[[2,1]]"),
      acked(2, 2, '"reject":false'),
    ],
    prefix: 9,
  },
  {
    // Node 1 leads term 1; its entry 2 reaches node 2 (a leader sends its appends ahead of its own write, §10.2.1,
    // which the contract order allows) and node 2's acknowledgement stays in flight; node 1 crashes before writing entry 2, restarts,
    // leads term 2 with node 3's vote and writes its no-op at index 2; the stale acknowledgement of index 2
    // (term 1) arrives: the mutant takes it and commits an entry only node 1 holds.
    mutant: "skip-term-check-on-append-response",
    options: { bounds: { maxTerm: 2, maxLog: 2, maxCrashes: 1, maxInFlight: 7 }, storage: "async-contract" },
    invariant: "commit-durable-majority",
    path: [
      timeout(1),
      disk(1),
      vote(2, 1),
      disk(2),
      voted(1, 1),
      disk(1),
      append(2, 1, "[[1,1]]"),
      disk(2),
      acked(1, 1),
      propose(1),
      append(2, 1, "[[2,1]]"),
      disk(2),
      ['"type":"crash"', '"node":1'],
      ['"type":"restart"', '"node":1'],
      timeout(1),
      disk(1),
      vote(3, 2),
      disk(3),
      voted(1, 2),
      disk(1),
      acked(1, 1, '"index":2'),
    ],
    prefix: 14,
  },
];

/** The described path selected by `selectors` from the model's initial state (every step must match once). */
function walk(model: AnyModel, selectors: Selectors): unknown[] {
  const w = walkSelectors(model, selectors);
  if (w.stoppedAt !== undefined) throw new Error(`step ${w.stoppedAt} (${selectors[w.stoppedAt - 1]!.join(" ")}): ${w.matches} enabled actions match`);
  return w.path;
}

/** The model with the state `path` reaches as its only initial state. */
function startingAfter(model: AnyModel, path: readonly unknown[]): AnyModel {
  let state = model.init()[0]!;
  for (const step of path) {
    const actions: unknown[] = [];
    model.actions(state, actions);
    state = model.next(state, actions.find((a) => JSON.stringify(model.describe(a)) === JSON.stringify(step))!)!;
  }
  return { ...model, init: () => [state] };
}

const modelOf = (e: Explore, c: DeepCase): AnyModel => e.actorModel(e.raftSystem({ nodes: 3, ...c.options })) as AnyModel;

describe("exploration catches the Figure-8 Raft mutants", () => {
  it.each(CASES.map((c) => [c.mutant, c] as const))("%s", async (_name, c) => {
    const patched = (await loadPatched(MUTANTS.find((m) => m.name === c.mutant)!, "explore-deep", "src/check/explore/index.ts")) as Explore;
    const mutantModel = modelOf(patched, c);
    const path = walk(mutantModel, c.path);
    // The counterexample: the violation at its last step on the mutant, none on the real core.
    const onMutant = patched.replayPath(mutantModel, 0, path);
    expect(onMutant.map((v) => [v.step, v.invariant])).toEqual([[c.path.length, c.invariant]]);
    expect(real.replayPath(modelOf(real, c), 0, walk(modelOf(real, c), c.path))).toEqual([]);
    // The directed search: every interleaving after the prefix, breadth-first, finds a counterexample no longer.
    const prefix = path.slice(0, c.prefix);
    const r = patched.explore(startingAfter(mutantModel, prefix), { strategy: "bfs", symmetry: true, stopAtFirstViolation: true, maxStates: 300_000 });
    const v = r.invariants.find((i) => i.violation !== undefined)?.violation;
    console.log(`mutant ${c.mutant}: ${v === undefined ? "NOT FOUND" : `${v.name} after ${c.prefix} + ${v.path.length} steps`} (${r.states} states, ${r.seconds.toFixed(1)} s)`);
    expect(v?.name).toBe(c.invariant);
    expect(c.prefix + v!.path.length).toBeLessThanOrEqual(c.path.length);
    // Control: the real core explored from the same state, one step deeper, breaks nothing.
    const control = real.explore(startingAfter(modelOf(real, c), prefix), { strategy: "bfs", symmetry: true, maxDepth: c.path.length - c.prefix + 2 });
    console.log(`control ${c.mutant}: ${control.states} states, ${control.seconds.toFixed(1)} s`);
    expect(control.invariants.filter((i) => i.violation !== undefined).map((i) => i.name)).toEqual([]);
  }, 240_000);
});
