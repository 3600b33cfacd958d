import type { ClientRecord } from "../../check/invariants/index.js";

/** One operation of the linearizability checker's native JSON history (docs/history-format.md). */
export interface NativeOperation {
  readonly process: number;
  readonly f: "write" | "read";
  readonly key: string;
  readonly value: string | null;
  readonly output?: string;
  readonly type: "ok" | "fail" | "info";
  readonly call: number;
  readonly return?: number;
}

/** A native JSON history: what `quorate check --format json --model kv` reads. */
export interface NativeHistory {
  readonly failedOps: "did-not-happen";
  readonly operations: readonly NativeOperation[];
}

/**
 * Converts the simulator's client records (invoke / ok / fail / info) into the linearizability checker's native
 * JSON history for its `kv` model: writes put a key's value, reads observe it ("" for an absent key, the model's
 * initial value). An operation still pending at the end counts as `info` (outcome unknown).
 */
export function toNativeHistory(records: readonly ClientRecord[]): NativeHistory {
  const open = new Map<string | number, { rec: ClientRecord; index: number }>();
  const ops: (NativeOperation | undefined)[] = [];
  // Jepsen's rule: after an op of unknown outcome its client goes on as a new process, so that one process's
  // ops never overlap (the checker's formats refuse overlapping ones). Fresh ids start above every client id.
  let nextProcess = 1;
  for (const r of records) nextProcess = Math.max(nextProcess, r.client + 1);
  const processOf = new Map<number, number>();
  for (const r of records) {
    if (r.type === "invoke") {
      open.set(r.id, { rec: r, index: ops.length });
      ops.push({ process: processOf.get(r.client) ?? r.client, f: r.f, key: r.key ?? "", value: r.f === "write" ? (r.value ?? "") : null, type: "info", call: r.t });
      continue;
    }
    const inv = open.get(r.id);
    if (inv === undefined) continue;
    open.delete(r.id);
    const base = ops[inv.index]!;
    if (r.type === "info") {
      processOf.set(r.client, nextProcess++);
      continue;
    }
    ops[inv.index] =
      r.type === "ok" && r.f === "read"
        ? { ...base, type: "ok", output: r.value ?? "", return: r.t }
        : { ...base, type: r.type, return: r.t };
  }
  return { failedOps: "did-not-happen", operations: ops.filter((o): o is NativeOperation => o !== undefined) };
}
