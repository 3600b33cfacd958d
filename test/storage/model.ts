/**
 * A naive model of what a sequence of log writes means, written independently of the storage code: a plain
 * array of entries, replaced and filtered the obvious way. Tests compare recovered logs against it.
 */
import type { RecoveredLog, WalOp } from "../../src/adapters/storage/index.js";

/** The model's state. */
export interface ModelLog {
  state: { term: number; payload: number[] } | undefined;
  snapshot: { index: number; term: number; payload: number[] } | undefined;
  entries: { index: number; term: number; payload: number[] }[];
  commit: number;
}

export const emptyModel = (): ModelLog => ({ state: undefined, snapshot: undefined, entries: [], commit: 0 });

/** Applies one write (its ops in order) to a copy of `m`. */
export function applyWrite(m: ModelLog, ops: readonly WalOp[]): ModelLog {
  const next: ModelLog = { state: m.state, snapshot: m.snapshot, entries: m.entries.slice(), commit: m.commit };
  for (const op of ops) {
    switch (op.type) {
      case "state":
        next.state = { term: op.term, payload: [...op.payload] };
        break;
      case "truncate":
        next.entries = next.entries.filter((e) => e.index < op.from);
        break;
      case "entries":
        if (op.entries.length === 0) break;
        next.entries = next.entries.filter((e) => e.index < op.entries[0]!.index);
        for (const e of op.entries) next.entries.push({ index: e.index, term: e.term, payload: e.payload instanceof Uint8Array ? [...e.payload] : e.payload.flatMap((p) => [...p]) });
        break;
      case "snapshot": {
        const at = next.entries.find((e) => e.index === op.index);
        const keep = op.retention === "after" || (at !== undefined && at.term === op.term);
        next.entries = keep ? next.entries.filter((e) => e.index > op.index) : [];
        next.snapshot = { index: op.index, term: op.term, payload: op.payload instanceof Uint8Array ? [...op.payload] : op.payload.flatMap((p) => [...p]) };
        next.commit = Math.max(next.commit, op.index);
        break;
      }
      case "commit":
        next.commit = op.index;
        break;
    }
  }
  return next;
}

/** The recovered log in the model's shape. */
export function fromRecovered(r: RecoveredLog): ModelLog {
  return {
    state: r.state === undefined ? undefined : { term: r.state.term, payload: [...r.state.payload] },
    snapshot: r.snapshot === undefined ? undefined : { index: r.snapshot.index, term: r.snapshot.term, payload: [...r.snapshot.payload] },
    entries: r.entries.map((e) => ({ index: e.index, term: e.term, payload: [...e.payload] })),
    commit: r.commit,
  };
}

const logPart = (m: ModelLog): string => JSON.stringify([m.snapshot, m.entries, m.commit]);
const statePart = (m: ModelLog): string => JSON.stringify(m.state ?? null);

/**
 * Whether `got` is what a restart may find after writes `states[1..issued]` were issued and the first `acked`
 * acknowledged: the log as after some prefix k with acked ≤ k ≤ issued, and the hard state as after some prefix
 * j with k ≤ j ≤ issued (a batch makes its hard-state file durable before its log records). Returns the k, or a
 * description of the mismatch.
 */
export function matchesPrefix(got: ModelLog, states: readonly ModelLog[], acked: number, issued: number): number | string {
  const g = logPart(got);
  const gs = statePart(got);
  for (let k = acked; k <= issued; k++) {
    if (logPart(states[k]!) !== g) continue;
    for (let j = k; j <= issued; j++) if (statePart(states[j]!) === gs) return k;
  }
  return `recovered ${g} ${gs}; acknowledged prefix ${acked}: ${logPart(states[acked]!)} ${statePart(states[acked]!)}; issued ${issued}`;
}

/**
 * What a restart may also find when local snapshots are written in the background (`backgroundSnapshots`): a
 * snapshot whose marker is not durable yet is not there, and the log still holds the entries it summarises. A
 * snapshot is local when the log holds an entry at its index with its term (and it is past the current snapshot);
 * any other snapshot replaces the log and is never skipped. For each prefix: every log a restart may find in place
 * of the prefix's own — an earlier snapshot since the last replacing one (or none, if none ever replaced the log),
 * every entry written since it and not truncated, and the same commit index.
 */
export function fallbackLogs(script: readonly WalOp[][]): string[][] {
  type Entry = ModelLog["entries"][number];
  let m = emptyModel();
  /** Snapshots since the last replacing one, oldest first (undefined: the empty log's). */
  let snapshots: (ModelLog["snapshot"] | undefined)[] = [undefined];
  /** Every entry written since the last replacing snapshot and not truncated or overwritten. */
  let full: Entry[] = [];
  const out: string[][] = [[]];
  for (const ops of script) {
    for (const op of ops) {
      const before = m;
      m = applyWrite(m, [op]);
      if (op.type === "truncate") full = full.filter((e) => e.index < op.from);
      else if (op.type === "entries" && op.entries.length > 0) full = [...full.filter((e) => e.index < op.entries[0]!.index), ...m.entries.filter((e) => e.index >= op.entries[0]!.index)];
      else if (op.type === "snapshot") {
        const local = op.index > (before.snapshot?.index ?? 0) && before.entries.some((e) => e.index === op.index && e.term === op.term);
        if (local) snapshots.push(m.snapshot);
        else {
          snapshots = [m.snapshot];
          full = m.entries.slice();
        }
      }
    }
    const alts = snapshots.slice(0, -1).map((s) => JSON.stringify([s, full.filter((e) => e.index > (s?.index ?? 0)), m.commit]));
    out.push(alts);
  }
  return out;
}

/**
 * {@link matchesPrefix}, also accepting for a prefix any of its {@link fallbackLogs} (the log a restart finds
 * before a local snapshot's marker is durable). Returns the prefix, or a description of the mismatch.
 */
export function matchesPrefixOrFallback(got: ModelLog, states: readonly ModelLog[], fallbacks: readonly string[][], acked: number, issued: number): number | string {
  const g = logPart(got);
  const gs = statePart(got);
  for (let k = acked; k <= issued; k++) {
    if (logPart(states[k]!) !== g && !fallbacks[k]!.includes(g)) continue;
    for (let j = k; j <= issued; j++) if (statePart(states[j]!) === gs) return k;
  }
  return `recovered ${g} ${gs}; acknowledged prefix ${acked}: ${logPart(states[acked]!)} ${statePart(states[acked]!)} or one of ${fallbacks[acked]!.length} fallbacks; issued ${issued}`;
}
