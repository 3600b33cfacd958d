/**
 * The replicated key-value state machine behind the etcd-style HTTP API: pure (no I/O, no clock), fed the
 * committed commands in log order. Keys and values are byte strings held as latin1 text (one char per byte), so
 * JavaScript's string order is etcd's byte order for ranges. Revisions follow etcd v3: the store revision grows
 * by one per command that changes something (a txn's writes share one revision); a key's `create_revision`,
 * `mod_revision` and `version` are those of etcd's mvccpb.KeyValue.
 * @module
 */

/** One key's current value and its revisions (etcd's mvccpb.KeyValue). */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
}

/** A range request: one key, `[key, rangeEnd)`, or with `rangeEnd` "\0" every key ≥ `key` (etcd's rule). */
export interface RangeRequest {
  readonly key: string;
  readonly rangeEnd?: string;
  readonly limit?: number;
  readonly countOnly?: boolean;
  readonly keysOnly?: boolean;
}

/** A compare of a txn. A missing key's VALUE compare is false; its MOD/CREATE/VERSION are 0 (as etcd). */
export interface Compare {
  readonly key: string;
  readonly result: "EQUAL" | "NOT_EQUAL" | "GREATER" | "LESS";
  readonly target: "VALUE" | "MOD" | "CREATE" | "VERSION";
  /** For VALUE. */
  readonly value?: string;
  /** For MOD, CREATE, VERSION. */
  readonly number?: number;
}

/** A request of a txn branch. */
export type RequestOp =
  | { readonly type: "put"; readonly key: string; readonly value: string; readonly prevKv?: boolean }
  | { readonly type: "delete"; readonly key: string; readonly rangeEnd?: string; readonly prevKv?: boolean }
  | { readonly type: "range"; readonly range: RangeRequest };

/** A command replicated through the log. `id` lets the proposing node find the result of its proposal. */
export type Command =
  | { readonly id: string; readonly type: "put"; readonly key: string; readonly value: string; readonly prevKv?: boolean }
  | { readonly id: string; readonly type: "delete"; readonly key: string; readonly rangeEnd?: string; readonly prevKv?: boolean }
  | { readonly id: string; readonly type: "txn"; readonly compare: readonly Compare[]; readonly success: readonly RequestOp[]; readonly failure: readonly RequestOp[] };

/** The result of a range. */
export interface RangeResult {
  readonly type: "range";
  readonly kvs: readonly KeyValue[];
  readonly count: number;
  readonly more: boolean;
}

/** The result of one request. */
export type OpResult =
  | { readonly type: "put"; readonly prevKv?: KeyValue }
  | { readonly type: "delete"; readonly deleted: number; readonly prevKvs?: readonly KeyValue[] }
  | RangeResult
  | { readonly type: "txn"; readonly succeeded: boolean; readonly responses: readonly OpResult[] };

/** A command's result with the store revision after it. */
export interface Applied {
  readonly id: string;
  readonly revision: number;
  readonly result: OpResult;
}

/** Thrown for a command that cannot be decoded (never applied: the machine stays unchanged). */
export class KvCommandError extends Error {
  /** Stable code for programmatic handling. */
  readonly code = "KV_BAD_COMMAND";
  constructor(message: string) {
    super(message);
    this.name = "KvCommandError";
  }
}

/** Thrown by {@link KvMachine.restore} for data that is not a snapshot of a store (the machine stays unchanged). */
export class KvSnapshotError extends Error {
  /** Stable code for programmatic handling. */
  readonly code = "KV_BAD_SNAPSHOT";
  constructor(message: string) {
    super(message);
    this.name = "KvSnapshotError";
  }
}

const isKeyValue = (kv: unknown): kv is KeyValue => {
  const o = kv as Record<string, unknown> | null;
  return typeof o === "object" && o !== null && typeof o["key"] === "string" && typeof o["value"] === "string" && Number.isSafeInteger(o["createRevision"]) && Number.isSafeInteger(o["modRevision"]) && Number.isSafeInteger(o["version"]);
};

/** The store: keys in a map, a revision counter. */
export class KvMachine {
  private readonly kvs = new Map<string, KeyValue>();
  private rev = 0;

  /** The store revision (etcd's header.revision). */
  get revision(): number {
    return this.rev;
  }

  /** Serves a range at the current revision (no change). */
  range(r: RangeRequest): RangeResult {
    const hits = this.select(r.key, r.rangeEnd);
    const limit = r.limit !== undefined && r.limit > 0 ? r.limit : hits.length;
    const kvs = r.countOnly === true ? [] : hits.slice(0, limit).map((kv) => (r.keysOnly === true ? { ...kv, value: "" } : kv));
    return { type: "range", kvs, count: hits.length, more: hits.length > limit && r.countOnly !== true };
  }

  /** Applies one committed command. */
  apply(c: Command): Applied {
    const next = this.rev + 1;
    let changed = false;
    const run = (op: RequestOp): OpResult => {
      switch (op.type) {
        case "put": {
          const prev = this.kvs.get(op.key);
          this.kvs.set(op.key, { key: op.key, value: op.value, createRevision: prev?.createRevision ?? next, modRevision: next, version: (prev?.version ?? 0) + 1 });
          changed = true;
          return op.prevKv === true && prev !== undefined ? { type: "put", prevKv: prev } : { type: "put" };
        }
        case "delete": {
          const hits = this.select(op.key, op.rangeEnd);
          for (const kv of hits) this.kvs.delete(kv.key);
          if (hits.length > 0) changed = true;
          return op.prevKv === true ? { type: "delete", deleted: hits.length, prevKvs: hits } : { type: "delete", deleted: hits.length };
        }
        case "range":
          return this.range(op.range);
      }
    };
    let result: OpResult;
    if (c.type === "txn") {
      const succeeded = c.compare.every((cmp) => this.compare(cmp));
      result = { type: "txn", succeeded, responses: (succeeded ? c.success : c.failure).map(run) };
    } else {
      result = run(c);
    }
    if (changed) this.rev = next;
    return { id: c.id, revision: this.rev, result };
  }

  /** The whole store as bytes (a snapshot's data). */
  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify({ rev: this.rev, kvs: [...this.kvs.values()] }));
  }

  /**
   * Replaces the store with a snapshot's.
   * @throws KvSnapshotError if `data` is not a snapshot taken by {@link KvMachine.snapshot} (the store is unchanged).
   */
  restore(data: Uint8Array): void {
    let s: { rev: number; kvs: KeyValue[] };
    try {
      s = JSON.parse(new TextDecoder().decode(data)) as { rev: number; kvs: KeyValue[] };
    } catch (e) {
      throw new KvSnapshotError(`snapshot data is not JSON: ${(e as Error).message}`);
    }
    if (typeof s !== "object" || s === null || !Number.isSafeInteger(s.rev) || !Array.isArray(s.kvs) || !s.kvs.every(isKeyValue)) {
      throw new KvSnapshotError("snapshot data is not a key-value store ({rev, kvs: [{key, value, createRevision, modRevision, version}]})");
    }
    this.kvs.clear();
    for (const kv of s.kvs) this.kvs.set(kv.key, kv);
    this.rev = s.rev;
  }

  private select(key: string, rangeEnd: string | undefined): KeyValue[] {
    if (rangeEnd === undefined || rangeEnd === "") {
      const kv = this.kvs.get(key);
      return kv === undefined ? [] : [kv];
    }
    const all = rangeEnd === "\0";
    const hits: KeyValue[] = [];
    for (const kv of this.kvs.values()) if (kv.key >= key && (all || kv.key < rangeEnd)) hits.push(kv);
    return hits.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private compare(c: Compare): boolean {
    const kv = this.kvs.get(c.key);
    let order: number;
    if (c.target === "VALUE") {
      if (kv === undefined) return false;
      const want = c.value ?? "";
      order = kv.value < want ? -1 : kv.value > want ? 1 : 0;
    } else {
      const have = kv === undefined ? 0 : c.target === "MOD" ? kv.modRevision : c.target === "CREATE" ? kv.createRevision : kv.version;
      order = Math.sign(have - (c.number ?? 0));
    }
    switch (c.result) {
      case "EQUAL":
        return order === 0;
      case "NOT_EQUAL":
        return order !== 0;
      case "GREATER":
        return order > 0;
      case "LESS":
        return order < 0;
    }
  }
}

/** Encodes a command for the log. */
export function encodeCommand(c: Command): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(c));
}

/**
 * Decodes a command from a log entry.
 * @throws KvCommandError if the bytes are not a command.
 */
export function decodeCommand(data: Uint8Array): Command {
  let c: unknown;
  try {
    c = JSON.parse(new TextDecoder().decode(data));
  } catch (e) {
    throw new KvCommandError(`entry is not JSON: ${(e as Error).message}`);
  }
  if (typeof c !== "object" || c === null) throw new KvCommandError("entry is not a command object");
  const t = (c as { type?: unknown }).type;
  if (typeof (c as { id?: unknown }).id !== "string" || (t !== "put" && t !== "delete" && t !== "txn")) throw new KvCommandError(`entry is not a command (type ${JSON.stringify(t)})`);
  return c as Command;
}
