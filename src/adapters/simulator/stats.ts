import type { ClientRecord, Violation } from "../../check/invariants/index.js";

/** Counters of one run. */
export interface SimStats {
  elections: number;
  leaderChanges: number;
  /** Highest commit index any node reached. */
  committed: number;
  /** Highest commit index reached in the safety phase, under faults (before the liveness phase heals them). */
  committedBeforeHeal: number;
  messages: number;
  dropped: number;
  duplicated: number;
  /** Messages delayed past later ones on their link. */
  reordered: number;
  /** Link stalls the nemesis caused (a node's outgoing or incoming messages held back). */
  stalls: number;
  crashes: number;
  restarts: number;
  partitions: number;
  /** Nodes whose clock runs fast or slow (clock drift, drawn at the start). */
  driftingClocks: number;
  /** Nodes with a slow disk (drawn at the start). */
  slowDisks: number;
  /** Message deliveries (to a live, reachable node). */
  deliveries: number;
  ticks: number;
  /** Every event processed, both phases. */
  events: number;
  /** Client operations completed: ok, fail, info. */
  ok: number;
  fail: number;
  info: number;
}

/** All counters at zero. */
export function newStats(): SimStats {
  return {
    elections: 0, leaderChanges: 0, committed: 0, committedBeforeHeal: 0, messages: 0, dropped: 0, duplicated: 0, reordered: 0, stalls: 0, crashes: 0, restarts: 0,
    partitions: 0, driftingClocks: 0, slowDisks: 0, deliveries: 0, ticks: 0, events: 0, ok: 0, fail: 0, info: 0,
  };
}

/**
 * The `"stats"` object `quorate simulate --json` prints, for one run or summed over a campaign's seeds: what
 * the run exercised (elections, commits, client operations completed) and every fault by kind.
 */
export interface PublicStats {
  readonly elections: number;
  readonly leaderChanges: number;
  /** Highest commit index reached (for a campaign: summed over seeds). */
  readonly committed: number;
  /** The same, in the safety phase only: what was committed while faults were injected. */
  readonly committedBeforeHeal: number;
  /** Client operations completed: acknowledged, definitely failed, outcome unknown (timed out). */
  readonly clientOps: { readonly ok: number; readonly fail: number; readonly info: number };
  /** Faults injected, by kind (`driftingClocks` and `slowDisks` count nodes). */
  readonly faults: {
    readonly dropped: number;
    readonly duplicated: number;
    readonly reordered: number;
    readonly stalls: number;
    readonly partitions: number;
    readonly crashes: number;
    readonly restarts: number;
    readonly driftingClocks: number;
    readonly slowDisks: number;
  };
  readonly messages: number;
  readonly deliveries: number;
  readonly ticks: number;
  readonly events: number;
}

/** The public view of `s` (see `PublicStats`). */
export function publicStats(s: SimStats): PublicStats {
  return {
    elections: s.elections,
    leaderChanges: s.leaderChanges,
    committed: s.committed,
    committedBeforeHeal: s.committedBeforeHeal,
    clientOps: { ok: s.ok, fail: s.fail, info: s.info },
    faults: {
      dropped: s.dropped,
      duplicated: s.duplicated,
      reordered: s.reordered,
      stalls: s.stalls,
      partitions: s.partitions,
      crashes: s.crashes,
      restarts: s.restarts,
      driftingClocks: s.driftingClocks,
      slowDisks: s.slowDisks,
    },
    messages: s.messages,
    deliveries: s.deliveries,
    ticks: s.ticks,
    events: s.events,
  };
}

/** Adds every counter of `from` into `into` (a campaign's totals). */
export function addStats(into: SimStats, from: SimStats): void {
  for (const k of Object.keys(into) as (keyof SimStats)[]) into[k] += from[k];
}

/**
 * Why a run proves nothing, or undefined when it does not: a run whose safety phase committed no entry checked
 * its invariants against a cluster that never made progress under faults, and must not pass for green (what
 * the liveness phase commits after healing does not count).
 */
export function provesNothing(s: SimStats, steps: number): string | undefined {
  if (s.committedBeforeHeal > 0) return undefined;
  return `nothing was committed in the ${steps} steps under faults (elections: ${s.elections}; entries committed only after healing: ${s.committed}), so the run proves nothing: give it more --steps or fewer --faults`;
}

/** The outcome of one run. */
export interface SimResult {
  readonly ok: boolean;
  readonly seed: number;
  /** Events processed in the safety phase. */
  readonly steps: number;
  readonly violations: readonly Violation[];
  readonly stats: SimStats;
  /** Simulated milliseconds at the end. */
  readonly time: number;
  /** Client history (invoke / ok / fail / info), in time order. */
  readonly history: readonly ClientRecord[];
  /** NDJSON lines, when `trace` was asked for. */
  readonly trace?: readonly string[];
}
