/**
 * The exhaustive search: breadth-first (shortest counterexamples) or depth-first over a {@link Model}, with
 * states deduplicated by 64-bit fingerprint (optionally of a symmetry representative). Its counting rules are
 * Stateright's, so that the calibration models reproduce Stateright's unique-state counts exactly: initial
 * states count; a successor outside the boundary is neither counted nor expanded; every property is checked
 * in every expanded state; the search stops once every property has a discovery; depth-first pops the most
 * recently pushed state and pushes successors in action order.
 * @module
 */
import { FingerprintSet, joinFp, splitFp, type Fp } from "./fpset.js";
import type { Model } from "./model.js";

/** How to search. */
export interface ExploreOptions {
  /** Breadth-first finds the shortest counterexamples (default); depth-first needs less memory on deep spaces. */
  readonly strategy?: "bfs" | "dfs";
  /** Deduplicate by the model's symmetry representative (requires `model.representative`). */
  readonly symmetry?: boolean;
  /** Stop once this many unique states are known: the verdict is then "bounded, incomplete". */
  readonly maxStates?: number;
  /** Do not expand states at this depth or deeper (the initial states are at depth 1, as in Stateright). */
  readonly maxDepth?: number;
  /**
   * Stop at the first violated invariant (state or step) instead of exploring on for the others. State
   * invariants are then checked as each new state is generated, not when it is expanded, so the search stops
   * without expanding the rest of the level before it (breadth-first, the path found is still a shortest one).
   */
  readonly stopAtFirstViolation?: boolean;
  /** Called every few thousand expanded states, and once at the end. */
  readonly onProgress?: (p: Progress) => void;
}

/** Counters so far. */
export interface Progress {
  readonly states: number;
  readonly transitions: number;
  readonly maxDepth: number;
  readonly pending: number;
  readonly seconds: number;
}

/** The shortest (breadth-first) or first found (depth-first) path to a discovery, replayable from an initial state. */
export interface Discovery<A> {
  readonly name: string;
  readonly kind: "invariant" | "step-invariant" | "goal";
  /** Why the state breaks the invariant (empty for goals). */
  readonly detail: string;
  /** The actions from the initial state (`init` is its index in `model.init()`). */
  readonly init: number;
  readonly actions: readonly A[];
  /** `model.describe` of each action. */
  readonly path: readonly unknown[];
}

/** What a search found. */
export interface ExploreResult<A> {
  readonly model: string;
  readonly strategy: "bfs" | "dfs";
  readonly symmetry: boolean;
  /** True when every reachable state within the boundary (and `maxDepth`) was expanded. */
  readonly complete: boolean;
  /** Why the search stopped early ("max-states", or "all properties discovered"). */
  readonly stoppedBy?: "max-states" | "all-discovered" | "first-violation";
  /** No invariant (state or step) was violated. */
  readonly ok: boolean;
  readonly states: number;
  readonly transitions: number;
  readonly maxDepth: number;
  readonly seconds: number;
  readonly statesPerSecond: number;
  /** Bytes held by the fingerprint table. */
  readonly tableBytes: number;
  /** One per invariant and step invariant, in the model's order: held, or the path to a violation. */
  readonly invariants: readonly { readonly name: string; readonly violation?: Discovery<A> }[];
  /** One per goal: an example path, or none when no explored state reached it. */
  readonly goals: readonly { readonly name: string; readonly example?: Discovery<A> }[];
}

interface Pending<S> {
  readonly state: S;
  readonly key: Fp;
  readonly depth: number;
}

interface Found<A> {
  readonly name: string;
  readonly kind: Discovery<A>["kind"];
  readonly detail: string;
  /** Key of the state where it was found (for a step invariant: of the state before the step). */
  readonly at: Fp;
  /** For a step invariant: the action taken from `at`. */
  readonly action?: A;
}

/** Explores `model` exhaustively (within its boundary and the options' limits). */
export function explore<S, A>(model: Model<S, A>, options: ExploreOptions = {}): ExploreResult<A> {
  const strategy = options.strategy ?? "bfs";
  const symmetry = options.symmetry === true;
  if (symmetry && model.representative === undefined) throw new TypeError(`model ${model.name} has no symmetry representative`);
  const keyOf = symmetry ? (s: S) => splitFp(model.representative!(s)) : (s: S) => splitFp(model.fingerprint(s));
  const started = performance.now();
  const seen = new FingerprintSet();
  const inits = model.init().filter((s) => model.within?.(s) ?? true);
  const initKeys: Fp[] = [];
  // A queue for BFS (read from `head`) and a stack for DFS, in one array.
  let pending: Pending<S>[] = [];
  let head = 0;
  for (const s of inits) {
    const key = keyOf(s);
    initKeys.push(key);
    if (seen.add(key, key)) pending.push({ state: s, key, depth: 1 });
  }
  const stepInvariants = model.stepInvariants ?? [];
  const goals = model.goals ?? [];
  const propertyCount = model.invariants.length + stepInvariants.length + goals.length;
  // Hunting a violation: check state invariants when a state is first generated (initial states when expanded).
  const checkOnGeneration = options.stopAtFirstViolation === true;
  const found = new Map<string, Found<A>>();
  let transitions = 0;
  let maxDepth = 0;
  let expanded = 0;
  let stoppedBy: ExploreResult<A>["stoppedBy"];
  const actions: A[] = [];
  const progress = (): Progress => ({
    states: seen.size,
    transitions,
    maxDepth,
    pending: pending.length - head,
    seconds: (performance.now() - started) / 1000,
  });

  /** Checks the state invariants not yet violated on `state`; true when one is violated now. */
  const checkInvariants = (state: S, key: Fp): boolean => {
    let violatedNow = false;
    for (const inv of model.invariants) {
      if (found.has(inv.name)) continue;
      const detail = inv.check(state);
      if (detail !== undefined) {
        found.set(inv.name, { name: inv.name, kind: "invariant", detail, at: key });
        violatedNow = true;
      }
    }
    return violatedNow;
  };

  search: while (head < pending.length) {
    let item: Pending<S>;
    if (strategy === "bfs") {
      item = pending[head++]!;
      // Compact the queue now and then so that expanded states can be collected.
      if (head > 65536 && head * 2 > pending.length) {
        pending = pending.slice(head);
        head = 0;
      }
    } else {
      item = pending.pop()!;
    }
    const { state, key, depth } = item;
    if (depth > maxDepth) maxDepth = depth;
    if (options.maxDepth !== undefined && depth >= options.maxDepth) continue;
    if (!checkOnGeneration || depth === 1) checkInvariants(state, key);
    for (const g of goals) {
      if (!found.has(g.name) && g.reached(state)) found.set(g.name, { name: g.name, kind: "goal", detail: "", at: key });
    }
    if (propertyCount > 0 && found.size === propertyCount) {
      stoppedBy = "all-discovered";
      break;
    }
    if (options.stopAtFirstViolation === true && violated(found)) {
      stoppedBy = "first-violation";
      break;
    }
    if (++expanded % 4096 === 0) options.onProgress?.(progress());
    actions.length = 0;
    model.actions(state, actions);
    for (const action of actions) {
      const next = model.next(state, action);
      if (next === undefined) continue;
      if (model.within !== undefined && !model.within(next)) continue;
      transitions++;
      for (const inv of stepInvariants) {
        if (found.has(inv.name)) continue;
        const detail = inv.check(state, action, next);
        if (detail !== undefined) found.set(inv.name, { name: inv.name, kind: "step-invariant", detail, at: key, action });
      }
      if (options.stopAtFirstViolation === true && violated(found)) {
        stoppedBy = "first-violation";
        break search;
      }
      const nextKey = keyOf(next);
      if (!seen.add(nextKey, key)) continue;
      if (checkOnGeneration && checkInvariants(next, nextKey)) {
        stoppedBy = "first-violation";
        break search;
      }
      pending.push({ state: next, key: nextKey, depth: depth + 1 });
      if (options.maxStates !== undefined && seen.size >= options.maxStates) {
        stoppedBy = "max-states";
        break search;
      }
    }
  }
  const seconds = (performance.now() - started) / 1000;
  options.onProgress?.(progress());
  const replay = (f: Found<A>): Discovery<A> => {
    const { init, actions: path } = pathTo(model, inits, initKeys, seen, keyOf, f.at);
    const all = f.action === undefined ? path : [...path, f.action];
    return { name: f.name, kind: f.kind, detail: f.detail, init, actions: all, path: all.map((a) => model.describe(a)) };
  };
  const invariants = [...model.invariants, ...stepInvariants].map((inv) => {
    const f = found.get(inv.name);
    return f === undefined || f.kind === "goal" ? { name: inv.name } : { name: inv.name, violation: replay(f) };
  });
  const goalResults = goals.map((g) => {
    const f = found.get(g.name);
    return f === undefined ? { name: g.name } : { name: g.name, example: replay(f) };
  });
  return {
    model: model.name,
    strategy,
    symmetry,
    complete: stoppedBy !== "max-states" && stoppedBy !== "first-violation" && options.maxDepth === undefined,
    ...(stoppedBy === undefined ? {} : { stoppedBy }),
    ok: invariants.every((i) => i.violation === undefined),
    states: seen.size,
    transitions,
    maxDepth,
    seconds,
    statesPerSecond: seconds > 0 ? Math.round(seen.size / seconds) : seen.size,
    tableBytes: seen.bytes,
    invariants,
    goals: goalResults,
  };
}

function violated<A>(found: ReadonlyMap<string, Found<A>>): boolean {
  for (const f of found.values()) if (f.kind !== "goal") return true;
  return false;
}

/** Rebuilds the actions leading to the state with key `target` by following parents back and replaying forward. */
function pathTo<S, A>(
  model: Model<S, A>,
  inits: readonly S[],
  initKeys: readonly Fp[],
  seen: FingerprintSet,
  keyOf: (s: S) => Fp,
  target: Fp,
): { init: number; actions: A[] } {
  const chain: Fp[] = [target];
  for (;;) {
    const cur = chain[chain.length - 1]!;
    const parent = seen.parent(cur);
    if (parent === undefined) throw new Error(`explorer: state ${joinFp(cur.hi, cur.lo)} is not in the table`);
    if (parent.hi === cur.hi && parent.lo === cur.lo) break;
    chain.push(parent);
  }
  chain.reverse();
  const init = initKeys.findIndex((k) => k.hi === chain[0]!.hi && k.lo === chain[0]!.lo);
  let state: S = inits[init] as S;
  const actions: A[] = [];
  const enabled: A[] = [];
  for (let i = 1; i < chain.length; i++) {
    const want = chain[i]!;
    enabled.length = 0;
    model.actions(state, enabled);
    let moved = false;
    for (const a of enabled) {
      const next = model.next(state, a);
      if (next === undefined) continue;
      const k = keyOf(next);
      if (k.hi === want.hi && k.lo === want.lo) {
        actions.push(a);
        state = next;
        moved = true;
        break;
      }
    }
    if (!moved) throw new Error(`explorer: cannot replay the path at step ${i} (is the model deterministic, its representative canonical?)`);
  }
  return { init, actions };
}
