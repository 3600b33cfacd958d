import * as raft from "../../core/raft/index.js";
import type { Entry, HardState, Output, PersistOutput, PersistedState, RaftConfig, RaftState, Snapshot } from "../../core/raft/index.js";
import type { NodeId, ObservedEntry } from "../../check/invariants/index.js";
import { RaftInvariants } from "../../check/invariants/index.js";
import type { ClientRequest, DurableInfo, Effects, NodeView, Protocol } from "./protocol.js";

/** A node's durable storage in the simulator: exactly what `persist` outputs made durable. */
export interface RaftDisk {
  hardState: HardState;
  snapshot: Snapshot | undefined;
  entries: Entry[];
}

/** A storage write: the core's persist output, and what it acknowledges once durable. */
export interface RaftWrite {
  readonly out: PersistOutput;
  /** Apply outputs that came after this write and must wait for it. */
  readonly applies: Output[];
  /** The written entries as observed (term, digest), computed once for both the log and the durable record. */
  observed: ObservedEntry[] | undefined;
  ackIndex: number;
  ackTerm: number;
}

/** A committed write's position, remembered so duplicates (client retries) are answered, not re-applied. */
interface Written {
  readonly index: number;
  readonly term: number;
}

/** One simulated Raft node: the pure core plus a small key-value state machine and client bookkeeping. */
export interface RaftNode {
  raft: RaftState;
  readonly id: NodeId;
  readonly kv: Map<string, { value: string; index: number }>;
  readonly done: Map<number, Written>;
  /** Client writes proposed here, answered when applied. */
  readonly writes: Set<number>;
  /** Reads waiting to be served: request id → key and read index (-1 until read-ready). */
  readonly reads: Map<number, { key: string; index: number }>;
  /** Writes issued and not yet durable (applies wait behind the last one). */
  readonly inflight: RaftWrite[];
  lastSnapshotAt: number;
}

/** How the simulated Raft nodes are configured. */
export interface RaftSimConfig {
  readonly electionTick: number;
  readonly heartbeatTick: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly readOnly: "safe" | "lease-based";
  /** Compact the log every this many applied entries (0: never). */
  readonly snapshotEvery: number;
  readonly maxSizePerMsg: number;
}

/** The default: pre-vote and check-quorum on, ReadIndex reads, compaction every 200 entries. */
export const DEFAULT_RAFT_SIM_CONFIG: RaftSimConfig = {
  electionTick: 10,
  heartbeatTick: 2,
  preVote: true,
  checkQuorum: true,
  readOnly: "safe",
  snapshotEvery: 200,
  maxSizePerMsg: 4096,
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** 32-bit FNV-1a of an entry's payload and kind: the digest in observation records. */
export function entryDigest(e: Entry): number {
  let h = e.kind === "normal" ? 0x811c9dc5 : 0x050c5d1f;
  const d = e.data;
  for (let k = 0; k < d.length; k++) h = Math.imul(h ^ d[k]!, 0x01000193);
  return h >>> 0;
}

/** Shortens `entries` to its first `n` (never lengthens it; a no-op when already that short). */
function keepFirst(entries: Entry[], n: number): void {
  if (n < entries.length) entries.length = n > 0 ? n : 0;
}

/** The tick input: immutable, so one object serves every tick. */
const TICK: raft.Input = Object.freeze({ type: "tick" });

function observed(entries: readonly Entry[]): ObservedEntry[] {
  const out: ObservedEntry[] = new Array(entries.length);
  for (let k = 0; k < entries.length; k++) out[k] = [entries[k]!.term, entryDigest(entries[k]!)];
  return out;
}

/** UTF-8 bytes of `text`; ASCII (every command the simulated clients send) without a call into the encoder. */
function encodeText(text: string): Uint8Array {
  const n = text.length;
  if (n > 64) return encoder.encode(text);
  const out = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const c = text.charCodeAt(k);
    if (c >= 0x80) return encoder.encode(text);
    out[k] = c;
  }
  return out;
}

/** The text of UTF-8 `bytes`; short ASCII without a call into the decoder. */
function decodeText(bytes: Uint8Array): string {
  const n = bytes.length;
  if (n > 64) return decoder.decode(bytes);
  let text = "";
  for (let k = 0; k < n; k++) {
    const c = bytes[k]!;
    if (c >= 0x80) return decoder.decode(bytes);
    text += String.fromCharCode(c);
  }
  return text;
}

/** Client command in an entry: `id|key|value`. */
function encodeCommand(r: ClientRequest): Uint8Array {
  return encodeText(`${r.id}|${r.key}|${r.value}`);
}

function encodeState(node: RaftNode): Uint8Array {
  return encoder.encode(JSON.stringify({ kv: [...node.kv], done: [...node.done] }));
}

function restoreState(node: RaftNode, data: Uint8Array): void {
  node.kv.clear();
  node.done.clear();
  if (data.length === 0) return;
  const s = JSON.parse(decoder.decode(data)) as { kv: [string, { value: string; index: number }][]; done: [number, Written][] };
  for (const [k, v] of s.kv) node.kv.set(k, v);
  for (const [k, v] of s.done) node.done.set(k, v);
}

/**
 * The Raft core as a simulator `Protocol`: drives `raft.step` with ticks, messages, storage
 * acknowledgements and client commands, honouring the core's ordering contract (sends and applies that follow
 * a persist wait until it is durable), and reports observations for the Raft invariants.
 */
export function raftProtocol(config: Partial<RaftSimConfig> = {}): Protocol<RaftNode, raft.Message, RaftWrite, RaftDisk> {
  const c: RaftSimConfig = { ...DEFAULT_RAFT_SIM_CONFIG, ...config };
  const messageInput: { type: "message"; message: raft.Message } = { type: "message", message: undefined as unknown as raft.Message };

  function handle(node: RaftNode, outputs: readonly Output[], fx: Effects<raft.Message, RaftWrite>): void {
    for (let k = 0; k < outputs.length; k++) {
      const o = outputs[k]!;
      switch (o.type) {
        case "send":
          fx.send(o.to, o.message);
          break;
        case "persist": {
          const w: RaftWrite = { out: o, applies: [], observed: o.entries === undefined ? undefined : observed(o.entries), ackIndex: 0, ackTerm: 0 };
          observePersist(w, fx);
          node.inflight.push(w);
          fx.persist(w);
          break;
        }
        case "apply": {
          const last = node.inflight[node.inflight.length - 1];
          if (last !== undefined) last.applies.push(o);
          else apply(node, o, fx);
          break;
        }
        case "read-ready": {
          const id = Number(o.requestId);
          const r = node.reads.get(id);
          if (r !== undefined) {
            r.index = o.index;
            serveReads(node, fx);
          }
          break;
        }
        case "rejected":
          if (o.requestId !== undefined) {
            const id = Number(o.requestId);
            if (node.reads.delete(id)) fx.reply(id, { ok: false, leaderHint: o.leaderHint, reason: o.reason });
          }
          break;
        case "role-change":
          if (o.role !== "leader") {
            // Pending client work here is now in doubt: refuse it so clients retry elsewhere.
            for (const id of node.reads.keys()) fx.reply(id, { ok: false, leaderHint: o.leader, reason: "not-leader" });
            node.reads.clear();
          }
          break;
      }
    }
  }

  function observePersist(w: RaftWrite, fx: Effects<raft.Message, RaftWrite>): void {
    const o = w.out;
    // A snapshot keeps the log after it when the log agrees at its index (§7), else replaces it.
    if (o.snapshot !== undefined) fx.snapshot(o.snapshot.index, o.snapshot.term);
    const first = o.entries !== undefined && o.entries.length > 0 ? o.entries[0]!.index : undefined;
    if (o.truncateFrom !== undefined && (first === undefined || o.truncateFrom < first)) fx.log(o.truncateFrom, []);
    if (first !== undefined) fx.log(first, w.observed!);
  }

  function step(node: RaftNode, input: raft.Input, fx: Effects<raft.Message, RaftWrite>): void {
    const r = raft.step(node.raft, input);
    node.raft = r.state;
    handle(node, r.outputs, fx);
  }

  function apply(node: RaftNode, o: Extract<Output, { type: "apply" }>, fx: Effects<raft.Message, RaftWrite>): void {
    if (o.snapshot !== undefined) restoreState(node, o.snapshot.data);
    let last = o.snapshot?.index ?? 0;
    for (const e of o.entries) {
      last = e.index;
      if (e.kind !== "normal" || e.data.length === 0) continue;
      const text = decodeText(e.data);
      const a = text.indexOf("|");
      const b = text.indexOf("|", a + 1);
      const id = Number(text.slice(0, a));
      let w = node.done.get(id);
      if (w === undefined) {
        w = { index: e.index, term: e.term };
        node.done.set(id, w);
        node.kv.set(text.slice(a + 1, b), { value: text.slice(b + 1), index: e.index });
      }
      if (node.writes.delete(id)) fx.reply(id, { ok: true, index: w.index, term: w.term });
    }
    if (last > 0) step(node, { type: "applied", index: last }, fx);
    serveReads(node, fx);
    const applied = raft.appliedIndex(node.raft);
    if (c.snapshotEvery > 0 && applied - node.lastSnapshotAt >= c.snapshotEvery) {
      node.lastSnapshotAt = applied;
      step(node, { type: "snapshot", index: applied, data: encodeState(node) }, fx);
    }
  }

  function serveReads(node: RaftNode, fx: Effects<raft.Message, RaftWrite>): void {
    if (node.reads.size === 0) return;
    const applied = raft.appliedIndex(node.raft);
    for (const [id, r] of node.reads) {
      if (r.index < 0 || r.index > applied) continue;
      node.reads.delete(id);
      const v = node.kv.get(r.key);
      fx.reply(id, { ok: true, value: v?.value ?? null, index: v?.index ?? 0 });
    }
  }

  return {
    name: "raft",
    emptyDisk: () => ({ hardState: { term: 0, vote: 0, commit: 0 }, snapshot: undefined, entries: [] }),

    start(id, cluster, seed, disk, fx) {
      const cfg: RaftConfig = {
        id,
        voters: cluster,
        electionTick: c.electionTick,
        heartbeatTick: c.heartbeatTick,
        preVote: c.preVote,
        checkQuorum: c.checkQuorum,
        readOnly: c.readOnly,
        maxSizePerMsg: c.maxSizePerMsg,
        seed,
        applied: disk.snapshot?.index ?? 0,
      };
      const fresh = disk.hardState.term === 0 && disk.entries.length === 0 && disk.snapshot === undefined;
      const persisted: PersistedState | undefined = fresh
        ? undefined
        : disk.snapshot === undefined
          ? { hardState: disk.hardState, entries: disk.entries.slice() }
          : { hardState: disk.hardState, snapshot: disk.snapshot, entries: disk.entries.slice() };
      const node: RaftNode = {
        raft: raft.createRaft(cfg, persisted),
        id,
        kv: new Map(),
        done: new Map(),
        writes: new Set(),
        reads: new Map(),
        inflight: [],
        lastSnapshotAt: disk.snapshot?.index ?? 0,
      };
      if (disk.snapshot !== undefined) restoreState(node, disk.snapshot.data);
      void fx;
      return node;
    },

    applyWrite(disk, w) {
      const o = w.out;
      const entries = disk.entries;
      if (o.truncateFrom !== undefined) keepFirst(entries, o.truncateFrom - (disk.snapshot?.index ?? 0) - 1);
      if (o.snapshot !== undefined) {
        // §7: keep the entries after the snapshot when the log agrees at its index, else drop them all.
        const base = disk.snapshot?.index ?? 0;
        const at = entries[o.snapshot.index - base - 1];
        if (at !== undefined && at.term === o.snapshot.term) entries.splice(0, o.snapshot.index - base);
        else entries.length = 0;
        disk.snapshot = o.snapshot;
      }
      const written = o.entries;
      const first = written !== undefined && written.length > 0 ? written[0]!.index : undefined;
      if (first !== undefined) {
        keepFirst(entries, first - (disk.snapshot?.index ?? 0) - 1);
        for (let k = 0; k < written!.length; k++) entries.push(written![k]!);
      }
      if (o.hardState !== undefined) disk.hardState = o.hardState;
      const lastEntry = entries[entries.length - 1];
      w.ackIndex = lastEntry?.index ?? disk.snapshot?.index ?? 0;
      w.ackTerm = lastEntry?.term ?? disk.snapshot?.term ?? 0;
      // Object literals per case (not spreads): one durable record per disk event, keys always in this order.
      const hs = disk.hardState;
      if (o.snapshot !== undefined) {
        const snapshot = { index: o.snapshot.index, term: o.snapshot.term };
        if (first === undefined) return { term: hs.term, vote: hs.vote, commit: hs.commit, snapshot };
        return { term: hs.term, vote: hs.vote, commit: hs.commit, snapshot, from: first, entries: w.observed! };
      }
      if (first !== undefined) {
        // A truncation below the new entries, if any, is a separate durable change.
        if (o.truncateFrom !== undefined && o.truncateFrom < first) {
          const from = o.truncateFrom;
          return { term: hs.term, vote: hs.vote, commit: hs.commit, from, entries: observed(entries.slice(from - (disk.snapshot?.index ?? 0) - 1)) };
        }
        return { term: hs.term, vote: hs.vote, commit: hs.commit, from: first, entries: w.observed! };
      }
      if (o.truncateFrom !== undefined) return { term: hs.term, vote: hs.vote, commit: hs.commit, from: o.truncateFrom, entries: [] };
      return { term: hs.term, vote: hs.vote, commit: hs.commit };
    },

    tick(node, fx) {
      step(node, TICK, fx);
      return node;
    },
    receive(node, message, fx) {
      // One input object per protocol, refilled: the core reads its input during the step and keeps no reference.
      messageInput.message = message;
      step(node, messageInput, fx);
      return node;
    },
    persisted(node, w, fx) {
      node.inflight.shift();
      // Applies that waited on this write go first: what the acknowledgement triggers comes after them.
      for (const a of w.applies) {
        if (a.type === "apply") apply(node, a, fx);
      }
      if (w.out.snapshot !== undefined) step(node, { type: "snapshot-persisted", index: w.out.snapshot.index, term: w.out.snapshot.term }, fx);
      step(node, { type: "persisted", index: w.ackIndex, term: w.ackTerm }, fx);
      return node;
    },
    request(node, r, fx) {
      if (raft.role(node.raft) !== "leader") {
        fx.reply(r.id, { ok: false, leaderHint: raft.leader(node.raft), reason: "not-leader" });
        return node;
      }
      if (r.f === "write") {
        const w = node.done.get(r.id);
        if (w !== undefined) {
          fx.reply(r.id, { ok: true, index: w.index, term: w.term });
          return node;
        }
        node.writes.add(r.id);
        const res = raft.step(node.raft, { type: "propose", data: encodeCommand(r) });
        node.raft = res.state;
        for (const o of res.outputs) {
          if (o.type === "rejected") {
            node.writes.delete(r.id);
            fx.reply(r.id, { ok: false, leaderHint: o.leaderHint, reason: o.reason });
          }
        }
        handle(node, res.outputs, fx);
      } else {
        node.reads.set(r.id, { key: r.key, index: -1 });
        step(node, { type: "read-index", requestId: r.id }, fx);
      }
      return node;
    },
    view(node, out: NodeView) {
      const s = node.raft;
      out.term = raft.term(s);
      out.role = raft.role(s);
      out.vote = raft.vote(s);
      out.commit = raft.commitIndex(s);
      out.applied = raft.appliedIndex(s);
      out.leader = raft.leader(s);
    },
    describe: (m) => ({ kind: m.type, term: m.term }),
    // The leader may replicate entries while its own write is in progress (it counts itself once durable).
    overtakes: (m) => m.type === "append" || m.type === "heartbeat" || m.type === "snapshot",
    checker: () => new RaftInvariants(),
  };
}
