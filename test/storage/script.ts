/** Deterministic write scripts and a driver that issues them with group commit and records what was acknowledged. */
import { Prng } from "../../src/adapters/simulator/prng.js";
import type { WalOp, WriteAheadLog } from "../../src/adapters/storage/index.js";
import { applyWrite, emptyModel, type ModelLog } from "./model.js";

const bytes = (rng: Prng, n: number): Uint8Array => Uint8Array.from({ length: n }, () => rng.int(256));

/**
 * A valid random write sequence: appends (sometimes overwriting a suffix with a higher term), truncations,
 * snapshots (matching or not), commits and hard-state changes. Terms never exceed the hard state's.
 */
export function randomScript(seed: number, writes: number, payloadMax = 40, snapshots = true): WalOp[][] {
  const rng = new Prng(seed);
  let m = emptyModel();
  let term = 0;
  const out: WalOp[][] = [];
  for (let w = 0; w < writes; w++) {
    const ops: WalOp[] = [];
    const last = m.entries.length > 0 ? m.entries[m.entries.length - 1]! : m.snapshot;
    const lastIndex = last?.index ?? 0;
    const lastTerm = last?.term ?? 0;
    const base = Math.max(m.snapshot?.index ?? 0, m.commit);
    const roll = rng.int(10);
    if (roll === 0 || term === 0) {
      term++;
      ops.push({ type: "state", term, payload: Uint8Array.of(rng.int(5)) });
    }
    if (roll <= 5) {
      // Append, sometimes overwriting from a point after the snapshot.
      const from = rng.chance(0.25) && lastIndex > base ? rng.range(base + 1, lastIndex) : lastIndex + 1;
      const prevTerm = from - 1 === (m.snapshot?.index ?? 0) ? (m.snapshot?.term ?? 0) : (m.entries.find((e) => e.index === from - 1)?.term ?? lastTerm);
      const t = from <= lastIndex ? term : Math.max(prevTerm, rng.range(prevTerm, term));
      const n = rng.range(1, 4);
      ops.push({ type: "entries", entries: Array.from({ length: n }, (_, k) => ({ index: from + k, term: Math.max(t, prevTerm), payload: bytes(rng, rng.int(payloadMax)) })) });
    } else if (roll === 6 && lastIndex > base) {
      ops.push({ type: "truncate", from: rng.range(base + 1, lastIndex) });
    } else if (roll === 7 && snapshots && lastIndex > (m.snapshot?.index ?? 0)) {
      const at = rng.range((m.snapshot?.index ?? 0) + 1, lastIndex);
      const e = m.entries.find((x) => x.index === at)!;
      const matching = rng.chance(0.7);
      ops.push({ type: "snapshot", index: at, term: matching ? e.term : e.term, retention: matching ? "matching" : "after", payload: bytes(rng, rng.int(100)) });
    } else if (roll === 8 && snapshots && lastIndex > base + 2 && rng.chance(0.3)) {
      // A snapshot from a leader beyond our log: replaces it.
      ops.push({ type: "snapshot", index: lastIndex + rng.range(1, 5), term, retention: "matching", payload: bytes(rng, 30) });
    } else if (lastIndex > m.commit) {
      ops.push({ type: "commit", index: rng.range(m.commit + 1, lastIndex) });
    }
    m = applyWrite(m, ops);
    out.push(ops);
  }
  return out;
}

/** Options of {@link compactionScript}. */
export interface CompactionScriptOptions {
  /** A snapshot every this many entries (default 10). */
  readonly every?: number;
  /** How far behind the commit index a local snapshot is taken (default 4). */
  readonly catchUp?: number;
  /** The chance that a snapshot is a leader's, beyond the log (which replaces it); default 0: all are local. */
  readonly leaderSnapshots?: number;
}

/**
 * An etcd-shaped write sequence: a leader appending and committing, and every few entries a snapshot at the
 * commit index minus some catch-up entries (with `leaderSnapshots`, now and then one beyond the log instead).
 */
export function compactionScript(seed: number, writes: number, options: CompactionScriptOptions = {}): WalOp[][] {
  const { every = 10, catchUp = 4, leaderSnapshots = 0 } = options;
  const rng = new Prng(seed);
  const out: WalOp[][] = [[{ type: "state", term: 1, payload: Uint8Array.of(1) }]];
  let last = 0;
  let snap = 0;
  while (out.length < writes) {
    const n = rng.range(1, 3);
    out.push([{ type: "entries", entries: Array.from({ length: n }, (_, k) => ({ index: last + 1 + k, term: 1, payload: bytes(rng, rng.range(20, 60)) })) }, { type: "commit", index: last + n }]);
    last += n;
    if (last - catchUp - snap >= every) {
      if (leaderSnapshots > 0 && rng.chance(leaderSnapshots)) {
        snap = last + rng.range(1, 4);
        last = snap;
        out.push([{ type: "snapshot", index: snap, term: 1, retention: "matching", payload: bytes(rng, 40) }]);
      } else {
        snap = last - catchUp;
        out.push([{ type: "snapshot", index: snap, term: 1, retention: "matching", payload: bytes(rng, rng.range(50, 300)) }]);
      }
    }
  }
  return out;
}

/** The model after each prefix of the script: states[k] = after k writes. */
export function prefixStates(script: readonly WalOp[][]): ModelLog[] {
  const states = [emptyModel()];
  for (const ops of script) states.push(applyWrite(states[states.length - 1]!, ops));
  return states;
}

/** Issues the script in groups of up to `group` writes without waiting (so they share fsyncs). */
export async function drive(wal: WriteAheadLog, script: readonly WalOp[][], group: number): Promise<{ acked: number; issued: number; error: unknown }> {
  let acked = 0;
  let issued = 0;
  let error: unknown;
  for (let i = 0; i < script.length && error === undefined; i += group) {
    const chunk = script.slice(i, i + group);
    const ps = chunk.map((ops) => {
      issued++;
      return wal.append(ops);
    });
    const results = await Promise.allSettled(ps);
    for (const r of results) {
      if (r.status === "fulfilled" && error === undefined) acked++;
      else if (r.status === "rejected") error ??= r.reason;
    }
  }
  return { acked, issued, error };
}
