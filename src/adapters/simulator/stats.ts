import type { ClientRecord, Violation } from "../../check/invariants/index.js";

/** Counters of one run. */
export interface SimStats {
  elections: number;
  leaderChanges: number;
  /** Highest commit index any node reached. */
  committed: number;
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
    elections: 0, leaderChanges: 0, committed: 0, messages: 0, dropped: 0, duplicated: 0, reordered: 0, stalls: 0, crashes: 0, restarts: 0,
    partitions: 0, deliveries: 0, ticks: 0, events: 0, ok: 0, fail: 0, info: 0,
  };
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
