/**
 * A small linearizability tester for a register, recorded as auxiliary state while exploring: a port of
 * Stateright's `LinearizabilityTester` (src/semantics/linearizability.rs) with the same recorded structure, so
 * that equal histories hash equally and the calibration counts match. Operations of a thread are remembered
 * with, for every other thread, the index of its last completed operation when this one was invoked (which
 * fixes the real-time order); `linearizable` searches for a sequential order consistent with it.
 * @module
 */
import type { Hasher } from "../../../core/fingerprint.js";

/** A register operation: write a value or read. Values are one-character strings ("\0" is the initial value). */
export type RegisterOp = { readonly type: "write"; readonly value: string } | { readonly type: "read" };
/** What a register operation returned. */
export type RegisterRet = { readonly type: "write-ok" } | { readonly type: "read-ok"; readonly value: string };

interface Complete {
  readonly lastCompleted: ReadonlyMap<number, number>;
  readonly op: RegisterOp;
  readonly ret: RegisterRet;
}
interface InFlight {
  readonly lastCompleted: ReadonlyMap<number, number>;
  readonly op: RegisterOp;
}

/** The recorded history (immutable: every update returns a new tester). */
export interface Tester {
  readonly byThread: ReadonlyMap<number, readonly Complete[]>;
  readonly inFlight: ReadonlyMap<number, InFlight>;
  /** False once a thread invoked twice without a return, or returned without an invocation. */
  readonly valid: boolean;
}

/** An empty history. */
export const EMPTY_TESTER: Tester = { byThread: new Map(), inFlight: new Map(), valid: true };

/** Records that `thread` invoked `op`. */
export function onInvoke(t: Tester, thread: number, op: RegisterOp): Tester {
  if (!t.valid) return t;
  if (t.inFlight.has(thread)) return { ...t, valid: false };
  const lastCompleted = new Map<number, number>();
  for (const [id, cs] of t.byThread) if (id !== thread && cs.length > 0) lastCompleted.set(id, cs.length - 1);
  const inFlight = new Map(t.inFlight).set(thread, { lastCompleted, op });
  const byThread = t.byThread.has(thread) ? t.byThread : new Map(t.byThread).set(thread, []);
  return { byThread, inFlight, valid: true };
}

/** Records that `thread`'s operation in flight returned `ret`. */
export function onReturn(t: Tester, thread: number, ret: RegisterRet): Tester {
  if (!t.valid) return t;
  const f = t.inFlight.get(thread);
  if (f === undefined) return { byThread: t.byThread.has(thread) ? t.byThread : new Map(t.byThread).set(thread, []), inFlight: t.inFlight, valid: false };
  const inFlight = new Map(t.inFlight);
  inFlight.delete(thread);
  const byThread = new Map(t.byThread).set(thread, [...(t.byThread.get(thread) ?? []), { lastCompleted: f.lastCompleted, op: f.op, ret }]);
  return { byThread, inFlight, valid: true };
}

type Remaining = ReadonlyMap<number, readonly (readonly [number, Complete])[]>;

/** Whether the history is linearizable for a register initially holding `initial`. */
export function linearizable(t: Tester, initial = "\0"): boolean {
  if (!t.valid) return false;
  const remaining = new Map<number, (readonly [number, Complete])[]>();
  for (const id of [...t.byThread.keys()].sort((a, b) => a - b)) remaining.set(id, t.byThread.get(id)!.map((c, i) => [i, c] as const));
  return serialize(initial, remaining, t.inFlight);
}

function precededByPeer(lastCompleted: ReadonlyMap<number, number>, remaining: Remaining): boolean {
  for (const [peer, minPeerTime] of lastCompleted) {
    const next = remaining.get(peer)?.[0];
    if (next !== undefined && next[0] <= minPeerTime) return true;
  }
  return false;
}

function serialize(value: string, remaining: Remaining, inFlight: ReadonlyMap<number, InFlight>): boolean {
  let done = true;
  for (const h of remaining.values()) if (h.length > 0) done = false;
  if (done) return true;
  for (const [thread, history] of remaining) {
    if (history.length === 0) {
      const f = inFlight.get(thread);
      if (f === undefined) continue;
      if (precededByPeer(f.lastCompleted, remaining)) continue;
      const rest = new Map(inFlight);
      rest.delete(thread);
      // An operation in flight may take effect (a read's result is then unconstrained).
      if (serialize(f.op.type === "write" ? f.op.value : value, remaining, rest)) return true;
    } else {
      const [, c] = history[0]!;
      const rest = new Map(remaining).set(thread, history.slice(1));
      if (precededByPeer(c.lastCompleted, rest)) continue;
      let next = value;
      if (c.op.type === "write" && c.ret.type === "write-ok") next = c.op.value;
      else if (!(c.op.type === "read" && c.ret.type === "read-ok" && c.ret.value === value)) continue;
      if (serialize(next, rest, inFlight)) return true;
    }
  }
  return false;
}

function hashLastCompleted(h: Hasher, m: ReadonlyMap<number, number>): void {
  const keys = [...m.keys()].sort((a, b) => a - b);
  h.int(keys.length);
  for (const k of keys) h.int(k).int(m.get(k)!);
}

function hashOp(h: Hasher, op: RegisterOp): void {
  if (op.type === "write") h.int(1).str(op.value);
  else h.int(2);
}

/** Feeds the history to a fingerprint, canonically (threads in id order). */
export function hashTester(h: Hasher, t: Tester): void {
  h.bool(t.valid);
  const threads = [...t.byThread.keys()].sort((a, b) => a - b);
  h.int(threads.length);
  for (const id of threads) {
    const cs = t.byThread.get(id)!;
    h.int(id).int(cs.length);
    for (const c of cs) {
      hashLastCompleted(h, c.lastCompleted);
      hashOp(h, c.op);
      if (c.ret.type === "write-ok") h.int(3);
      else h.int(4).str(c.ret.value);
    }
  }
  const flying = [...t.inFlight.keys()].sort((a, b) => a - b);
  h.int(flying.length);
  for (const id of flying) {
    const f = t.inFlight.get(id)!;
    h.int(id);
    hashLastCompleted(h, f.lastCompleted);
    hashOp(h, f.op);
  }
}
