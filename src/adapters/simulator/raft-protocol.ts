import * as raft from "../../core/raft/index.js";
import type { Output, RaftConfig, RaftState } from "../../core/raft/index.js";
import type { NodeId } from "../../check/invariants/index.js";
import { RaftInvariants } from "../../check/invariants/index.js";
import { coreProtocol, type Driver, type DriverNode } from "./driver.js";
import type { ClientRequest, Effects, NodeView, Protocol } from "./protocol.js";
import { acknowledgeRaftWrite, raftDisk, raftPersistedState, raftWrite, type RaftDisk, type RaftWrite } from "./raft-storage.js";

export { entryDigest, type RaftDisk, type RaftWrite } from "./raft-storage.js";

/** A committed write's position, remembered so duplicates (client retries) are answered, not re-applied. */
interface Written {
  readonly index: number;
  readonly term: number;
}

/** One simulated Raft node: the pure core plus a small key-value state machine and client bookkeeping. */
export interface RaftNode extends DriverNode<RaftState> {
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

type Fx = Effects<raft.Message, RaftWrite>;
type RaftDriver = Driver<RaftNode, raft.Input, Output, raft.Message, RaftWrite>;

/** The tick input: immutable, so one object serves every tick. */
const TICK: raft.Input = Object.freeze({ type: "tick" });

/**
 * The Raft core as a simulator `Protocol` (through the generic driver, `coreProtocol`): a small key-value
 * state machine over the core, honouring its ordering contract (sends and applies that follow a persist wait
 * until it is durable), and observations for the Raft invariants.
 */
export function raftProtocol(config: Partial<RaftSimConfig> = {}): Protocol<RaftNode, raft.Message, RaftWrite, RaftDisk> {
  const c: RaftSimConfig = { ...DEFAULT_RAFT_SIM_CONFIG, ...config };
  // One message input per protocol, refilled: the core reads its input during the step and keeps no reference.
  const messageInput: { type: "message"; message: raft.Message } = { type: "message", message: undefined as unknown as raft.Message };

  function apply(node: RaftNode, o: Extract<Output, { type: "apply" }>, fx: Fx, driver: RaftDriver): void {
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
    if (last > 0) driver.step(node, { type: "applied", index: last }, fx);
    serveReads(node, fx);
    const applied = raft.appliedIndex(node.state);
    if (c.snapshotEvery > 0 && applied - node.lastSnapshotAt >= c.snapshotEvery) {
      node.lastSnapshotAt = applied;
      driver.step(node, { type: "snapshot", index: applied, data: encodeState(node) }, fx);
    }
  }

  function serveReads(node: RaftNode, fx: Fx): void {
    if (node.reads.size === 0) return;
    const applied = raft.appliedIndex(node.state);
    for (const [id, r] of node.reads) {
      if (r.index < 0 || r.index > applied) continue;
      node.reads.delete(id);
      const v = node.kv.get(r.key);
      fx.reply(id, { ok: true, value: v?.value ?? null, index: v?.index ?? 0 });
    }
  }

  return coreProtocol<RaftConfig, RaftState, raft.Input, Output, raft.Message, RaftWrite, RaftDisk, RaftNode>({
    core: raft.raftCore,
    name: "raft",
    disk: raftDisk,
    boot(id, cluster, seed, disk) {
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
      const node: RaftNode = {
        state: raft.createRaft(cfg, raftPersistedState(disk)),
        id,
        kv: new Map(),
        done: new Map(),
        writes: new Set(),
        reads: new Map(),
        inflight: [],
        lastSnapshotAt: disk.snapshot?.index ?? 0,
      };
      if (disk.snapshot !== undefined) restoreState(node, disk.snapshot.data);
      return node;
    },
    tick: TICK,
    message(message) {
      messageInput.message = message;
      return messageInput;
    },
    perform(node, o, fx, driver) {
      switch (o.type) {
        case "send":
          fx.send(o.to, o.message);
          break;
        case "persist": {
          const w = raftWrite(o, fx);
          node.inflight.push(w);
          fx.persist(w);
          break;
        }
        case "apply": {
          // Applies wait behind the last write in flight (the core's ordering contract).
          const last = node.inflight[node.inflight.length - 1];
          if (last !== undefined) last.applies.push(o);
          else apply(node, o, fx, driver);
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
    },
    durable(node, w, fx, driver) {
      node.inflight.shift();
      // Applies that waited on this write go first: what the acknowledgement triggers comes after them.
      for (const a of w.applies) {
        if (a.type === "apply") apply(node, a, fx, driver);
      }
      acknowledgeRaftWrite(w, (input) => driver.step(node, input, fx));
    },
    request(node, r, fx, driver) {
      if (raft.role(node.state) !== "leader") {
        fx.reply(r.id, { ok: false, leaderHint: raft.leader(node.state), reason: "not-leader" });
        return;
      }
      if (r.f === "write") {
        const w = node.done.get(r.id);
        if (w !== undefined) {
          fx.reply(r.id, { ok: true, index: w.index, term: w.term });
          return;
        }
        node.writes.add(r.id);
        const outputs = driver.run(node, { type: "propose", data: encodeCommand(r) });
        for (const o of outputs) {
          if (o.type === "rejected") {
            node.writes.delete(r.id);
            fx.reply(r.id, { ok: false, leaderHint: o.leaderHint, reason: o.reason });
          }
        }
        driver.perform(node, outputs, fx);
      } else {
        node.reads.set(r.id, { key: r.key, index: -1 });
        driver.step(node, { type: "read-index", requestId: r.id }, fx);
      }
    },
    view(s, out: NodeView) {
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
  });
}
