/**
 * Test vectors: spec-generated traces in a language-neutral JSON form (see docs/test-vectors.md). A vector is a
 * sequence of steps; each names the spec action, the input an implementation receives, what the spec says it
 * sends (or returns), and the abstract state of every node afterwards. The conformance tests replay these on
 * quorate's cores; other implementations can replay the same files.
 */

import type { ItfTrace, ItfValue } from "./itf.js";

/** The vector format's version tag. */
export const VECTOR_FORMAT = "quorate-vectors/1";

/** The protocols with a spec. */
export type Protocol = "raft" | "kraft" | "zk";

/** Where a vector came from: enough to regenerate it. */
export interface VectorSource {
  /** The spec file, relative to the package's `spec/` directory. */
  readonly spec: string;
  /** The `quint run` seed. */
  readonly seed: string;
  /** The trace's number among those that run wrote. */
  readonly trace: number;
  /** The command that regenerates the trace (its ITF). */
  readonly command: string;
}

/** One step of a vector. */
export interface VectorStep<I, O, S> {
  /** 1-based step number (state 0 is `initial`). */
  readonly step: number;
  /** The spec action that made the step (for humans and debugging). */
  readonly action: string;
  readonly input: I;
  /** What the step emits: messages sent (Raft, KRaft) or the transaction's result (ZooKeeper). */
  readonly outputs: readonly O[];
  /** Messages in flight after the step (message protocols only): an implementation may re-send one of these. */
  readonly inFlight?: readonly O[];
  /** The abstract state after the step. */
  readonly state: S;
}

/** A whole vector. */
export interface Vector<I, O, S> {
  readonly format: typeof VECTOR_FORMAT;
  readonly protocol: Protocol;
  readonly source: VectorSource;
  /** The node ids (Raft, KRaft) or session ids (ZooKeeper) the trace uses. */
  readonly nodes: readonly number[];
  readonly initial: S;
  readonly steps: readonly VectorStep<I, O, S>[];
}

/** One disagreement between an implementation and a vector. */
export interface Mismatch {
  /** The vector's source trace (spec, seed, trace number). */
  readonly trace: string;
  /** The step number (0: the initial state). */
  readonly step: number;
  readonly action: string;
  /** The variable (or output) that differs, as a path: `node 2 commit`, `sent vote-response 2→1`. */
  readonly variable: string;
  readonly expected: unknown;
  readonly actual: unknown;
}

/** Renders a mismatch as one line naming the trace, step and variable. */
export function describeMismatch(m: Mismatch): string {
  return `${m.trace} step ${m.step} (${m.action}): ${m.variable}: spec says ${JSON.stringify(m.expected)}, implementation has ${JSON.stringify(m.actual)}`;
}

/** A short name for a vector's source, used in mismatch reports. */
export function traceName(source: VectorSource): string {
  return `${source.spec} seed ${source.seed} trace ${source.trace}`;
}

/** Stable JSON text with sorted keys: used to compare abstract values and messages as sets. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

/** Compares two abstract values field by field, pushing one mismatch per differing top-level field. */
export function compareFields(
  expected: Readonly<Record<string, unknown>>,
  actual: Readonly<Record<string, unknown>>,
  prefix: string,
  at: Omit<Mismatch, "variable" | "expected" | "actual">,
  into: Mismatch[],
): void {
  for (const k of Object.keys(expected)) {
    if (stableJson(expected[k]) !== stableJson(actual[k])) {
      into.push({ ...at, variable: `${prefix}${k}`, expected: expected[k], actual: actual[k] });
    }
  }
}

/** How a message-passing protocol's spec trace reads as vector steps (see `messageVectorSteps`). */
export interface MessageTraceReading<I, M, S> {
  /** The messages in flight in one spec state. */
  messages(vars: Readonly<Record<string, ItfValue>>, where: string): M[];
  /** The abstract state of every node in one spec state. */
  state(vars: Readonly<Record<string, ItfValue>>, where: string): S;
  /** The input a spec action stands for, and the message it consumes (delivers or drops), if any. */
  input(action: string, picks: Readonly<Record<string, ItfValue>>, where: string): { readonly input: I; readonly consumed?: M };
}

/**
 * The steps of a message-protocol vector: per spec state after the first, its input, the messages it adds to
 * the in-flight set (what the step sends), the in-flight set and the abstract state.
 */
export function messageVectorSteps<I, M, S>(trace: ItfTrace, source: VectorSource, reading: MessageTraceReading<I, M, S>): VectorStep<I, M, S>[] {
  const steps: VectorStep<I, M, S>[] = [];
  for (let k = 1; k < trace.states.length; k++) {
    const prev = trace.states[k - 1]!;
    const cur = trace.states[k]!;
    const where = `${source.spec} state ${k}`;
    const action = cur.action ?? "";
    const { input, consumed } = reading.input(action, cur.picks, where);
    const before = new Set(reading.messages(prev.vars, where).map(stableJson));
    if (consumed !== undefined) before.delete(stableJson(consumed));
    const inFlight = reading.messages(cur.vars, where);
    steps.push({ step: k, action, input, outputs: inFlight.filter((m) => !before.has(stableJson(m))), inFlight, state: reading.state(cur.vars, where) });
  }
  return steps;
}

/** The error for a spec action a reading does not know. */
export function unknownAction(action: string, where: string): Error {
  return new Error(`${where}: unknown action ${JSON.stringify(action)} (was the trace written with --mbt?)`);
}
