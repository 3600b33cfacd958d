/**
 * The replicated ZooKeeper service as a simulator `Protocol` (`quorate simulate --system zk`). Each simulated
 * node is a replica plus a co-located client library holding one session (a "gateway"): the simulator's
 * clients send their operations to a node, which runs them through its session — so sessions die with their
 * node's crashes and partitions and expire when idle, and the leader commits their expiry.
 *
 * Workload (from the simulator's read/write ops on keys k0..k2):
 * - read k: a linearizable getData of /k (ReadIndex through the leader), null when absent;
 * - write k (k ≠ k0): multi [setData /k, create /e- EPHEMERAL_SEQUENTIAL] (create /k when missing);
 * - write k0: fenced by a lock — the gateway takes `/lock-` (ephemeral sequential); when its local tree shows
 *   it lowest it writes multi [check its lock node, setData /k0]; otherwise the write fails.
 *
 * Invariants checked at every applied entry, besides Raft's: every replica's tree is equal at equal applied
 * index (`zk-tree-equal`); no ephemeral outlives its session's close or expiry (`zk-ephemeral-outlived`);
 * sequential names never repeat under a parent (`zk-sequential-unique`); a fenced write commits only for the
 * lock's true holder, with a token (czxid) never below an earlier one (`zk-lock-exclusive`).
 */
import * as raft from "../../core/raft/index.js";
import type { ClientRequest as ZkRequest, MultiOp, Reply } from "../../core/zk/index.js";
import { CREATE_MODES, Code, OPEN_ACL_UNSAFE, fromUtf8, utf8 } from "../../core/zk/index.js";
import * as ens from "../../core/zk-ensemble/index.js";
import type { EnsembleMessage, ReplicaOutput, ReplicaState } from "../../core/zk-ensemble/index.js";
import type { NodeId, TraceRecord, Violation } from "../../check/invariants/index.js";
import { RaftInvariants } from "../../check/invariants/index.js";
import { ZkEnsembleInvariants, lowestLock } from "../../check/invariants/zk-ensemble.js";

/** @deprecated Moved to `quorate/check` (`invariants.zkEnsemble`); re-exported for the simulator's public API. */
export { ZK_INVARIANTS, ZkEnsembleInvariants, type ZkSimCounts } from "../../check/invariants/zk-ensemble.js";
import { coreProtocol, type Driver, type DriverNode } from "./driver.js";
import type { ClientReply, ClientRequest, Effects, NodeView, ObservationChecker, Protocol } from "./protocol.js";
import { acknowledgeRaftWrite, raftDisk, raftPersistedState, raftWrite, type RaftDisk, type RaftWrite } from "./raft-storage.js";

type Fx = Effects<EnsembleMessage, RaftWrite>;
type ZkDriver = Driver<ZkSimNode, ens.ReplicaInput, ReplicaOutput, EnsembleMessage, RaftWrite>;

/** The gateway session a node's client library holds. */
interface Gateway {
  conn: number;
  sessionId: number;
  password: string;
  lastZxidSeen: number;
  state: "idle" | "connecting" | "connected";
  xid: number;
  lockPath: string | undefined;
}

/** One simulated node. */
export interface ZkSimNode extends DriverNode<ReplicaState> {
  readonly id: NodeId;
  readonly gw: Gateway;
  /** Continuations of the gateway's requests by xid. */
  readonly calls: Map<number, (reply: Reply) => void>;
  /** Simulator ops waiting for the gateway's session. */
  readonly waiting: ClientRequest[];
  /** Simulator ops in progress here (a retry of one is not started twice). */
  readonly running: Set<number>;
  /** Continuations to run once the current step's outputs are all performed. */
  readonly deferred: (() => void)[];
  /** Entry terms of recently applied indexes (write acknowledgements carry (index, term)). */
  readonly terms: Map<number, number>;
  /** Hands the tree after each applied entry to the invariant checker (given to every step of the replica). */
  readonly inspect: ens.ApplyInspector;
}

/** State shared by the nodes of one run and its checker. */
interface Shared {
  nextConn: number;
  latestNow: number;
  readonly invariants: ZkEnsembleInvariants;
}

/** The tick input: immutable, so one object serves every tick. */
const TICK: ens.ReplicaInput = Object.freeze({ type: "tick" });

/** Options of the simulated service. */
export interface ZkSimConfig {
  /** Compact every this many applied entries (default 64: snapshots get installed on lagging replicas). */
  readonly snapshotEvery: number;
  /** Requested session timeout, ms (default 200: sessions of idle gateways expire within a run). */
  readonly sessionTimeoutMs: number;
}

/** The replicated ZooKeeper service as a simulator protocol. */
export function zkProtocol(config: Partial<ZkSimConfig> = {}): Protocol<ZkSimNode, EnsembleMessage, RaftWrite, RaftDisk> & { readonly invariants: ZkEnsembleInvariants } {
  const c: ZkSimConfig = { snapshotEvery: 64, sessionTimeoutMs: 200, ...config };
  const shared: Shared = { nextConn: 1, latestNow: 1_700_000_000_000, invariants: new ZkEnsembleInvariants() };

  function handle(node: ZkSimNode, o: ReplicaOutput, fx: Fx, d: ZkDriver): void {
    switch (o.type) {
      case "persist":
        fx.persist(raftWrite(o.write, fx));
        return;
      case "send":
        fx.send(o.to, o.message);
        return;
      case "applied":
        node.terms.set(o.index, o.term);
        if (node.terms.size > 1024) node.terms.delete(node.terms.keys().next().value!);
        return;
      case "reply": {
        if (o.conn !== node.gw.conn) return;
        if (o.reply.zxid > node.gw.lastZxidSeen) node.gw.lastZxidSeen = o.reply.zxid;
        const k = node.calls.get(o.xid);
        node.calls.delete(o.xid);
        if (k !== undefined) node.deferred.push(() => k(o.reply));
        return;
      }
      case "watch":
        return;
      case "state":
        if (o.conn !== node.gw.conn) return;
        gatewayState(node, o, fx, d);
        return;
    }
  }

  // ---- the gateway session ----

  function gatewayState(node: ZkSimNode, o: Extract<ReplicaOutput, { type: "state" }>, fx: Fx, d: ZkDriver): void {
    const gw = node.gw;
    if (o.state === "connected" || o.state === "reconnected") {
      gw.state = "connected";
      gw.sessionId = o.session!.id;
      gw.password = o.session!.password;
      const ops = node.waiting.splice(0);
      node.deferred.push(() => {
        for (const r of ops) start(node, r, fx, d);
      });
      return;
    }
    gw.state = "idle";
    gw.conn = 0;
    if (o.state === "expired" || o.state === "closed") {
      gw.sessionId = 0;
      gw.lockPath = undefined;
    }
    // Everything in flight on this connection failed; tell the simulator so its clients retry.
    for (const [xid, k] of node.calls) {
      node.calls.delete(xid);
      node.deferred.push(() => k({ err: Code.CONNECTIONLOSS, zxid: -1 }));
    }
    const ops = node.waiting.splice(0);
    for (const r of ops) refuse(node, r, fx, o.reason ?? o.state);
  }

  function refuse(node: ZkSimNode, r: ClientRequest, fx: Fx, reason: string): void {
    node.running.delete(r.id);
    fx.reply(r.id, { ok: false, leaderHint: 0, reason: `session: ${reason}` });
  }

  function answer(node: ZkSimNode, r: ClientRequest, fx: Fx, reply: ClientReply): void {
    node.running.delete(r.id);
    fx.reply(r.id, reply);
  }

  function call(node: ZkSimNode, req: ZkRequest, linearizable: boolean, k: (reply: Reply) => void, fx: Fx, d: ZkDriver): void {
    const gw = node.gw;
    if (gw.state !== "connected") return k({ err: Code.CONNECTIONLOSS, zxid: -1 });
    const xid = ++gw.xid;
    node.calls.set(xid, k);
    d.step(node, { type: "request", conn: gw.conn, xid, request: req, linearizable }, fx);
  }

  function connect(node: ZkSimNode, fx: Fx, d: ZkDriver): void {
    const gw = node.gw;
    gw.state = "connecting";
    gw.conn = shared.nextConn++;
    const session = gw.sessionId === 0 ? undefined : { id: gw.sessionId, password: gw.password, lastZxidSeen: gw.lastZxidSeen };
    d.step(node, { type: "connect", conn: gw.conn, timeoutMs: c.sessionTimeoutMs, ...(session === undefined ? {} : { session }) }, fx);
  }

  function start(node: ZkSimNode, r: ClientRequest, fx: Fx, d: ZkDriver): void {
    const path = `/${r.key}`;
    const fail = (reply: Reply) => answer(node, r, fx, { ok: false, leaderHint: 0, reason: `zk error ${reply.err}` });
    const expired = (reply: Reply) => {
      if (reply.err === Code.SESSIONEXPIRED) {
        node.gw.sessionId = 0;
        node.gw.lockPath = undefined;
      }
      fail(reply);
    };
    if (r.f === "read") {
      call(node, { type: "getData", path, watch: false }, true, (reply) => {
        if (reply.err === Code.NONODE) return answer(node, r, fx, { ok: true, value: null, index: 0 });
        if (reply.err !== Code.OK || reply.body?.kind !== "data") return expired(reply);
        const d = reply.body.data;
        answer(node, r, fx, { ok: true, value: d === null ? null : fromUtf8(d), index: reply.body.stat.mzxid });
      }, fx, d);
      return;
    }
    const data = utf8(r.value);
    const acked = (reply: Reply) => {
      const term = node.terms.get(reply.zxid);
      if (term === undefined) return answer(node, r, fx, { ok: false, leaderHint: 0, reason: "acknowledged without a known term" });
      answer(node, r, fx, { ok: true, index: reply.zxid, term });
    };
    const create = (flags: number, p: string, d: Uint8Array): MultiOp => ({ type: "create", opcode: 1, path: p, data: d, acl: OPEN_ACL_UNSAFE, flags, ttl: -1 });
    const EPH_SEQ = CREATE_MODES.indexOf("EPHEMERAL_SEQUENTIAL");
    // Runs `first` (setData) and, when /k is missing, `second` (create), then once more `first`.
    const upsert = (withSet: MultiOp[], withCreate: MultiOp[], attempt: number) => {
      const ops = attempt % 2 === 0 ? withSet : withCreate;
      call(node, { type: "multi", ops }, false, (reply) => {
        if (reply.err !== Code.OK || reply.body?.kind !== "multi") return expired(reply);
        const results = reply.body.results;
        const failed = results.find((x) => x.type === "error" && x.err !== Code.OK && x.err !== Code.RUNTIMEINCONSISTENCY);
        if (failed === undefined) return acked(reply);
        const err = failed.type === "error" ? failed.err : Code.SYSTEMERROR;
        if ((err === Code.NONODE || err === Code.NODEEXISTS) && attempt < 2 && ops.some((op) => op.path === path && op.type !== "check")) {
          // The check on the lock node failing is NONODE too: only the key's op may be retried.
          const keyOp = ops.findIndex((op) => op.path === path);
          const failedAt = results.findIndex((x) => x.type === "error" && x.err !== Code.OK && x.err !== Code.RUNTIMEINCONSISTENCY);
          if (failedAt === keyOp) return upsert(withSet, withCreate, attempt + 1);
        }
        if (err === Code.NONODE && ops[0]?.type === "check") node.gw.lockPath = undefined;
        expired({ err, zxid: reply.zxid });
      }, fx, d);
    };
    if (r.key !== "k0") {
      const eph = create(EPH_SEQ, "/e-", new Uint8Array(0));
      upsert([{ type: "setData", path, data, version: -1 }, eph], [create(0, path, data), eph], 0);
      return;
    }
    const fenced = () => {
      const lock = node.gw.lockPath!;
      if (lowestLock(ens.replicaTree(node.state)) !== lock) return answer(node, r, fx, { ok: false, leaderHint: 0, reason: "lock held by another session" });
      const check: MultiOp = { type: "check", path: lock, version: -1 };
      upsert([check, { type: "setData", path, data, version: -1 }], [check, create(0, path, data)], 0);
    };
    if (node.gw.lockPath !== undefined) return fenced();
    call(node, { ...create(EPH_SEQ, "/lock-", new Uint8Array(0)), opcode: 1 } as ZkRequest, false, (reply) => {
      if (reply.err !== Code.OK || reply.body?.kind !== "create") return expired(reply);
      node.gw.lockPath = reply.body.path;
      fenced();
    }, fx, d);
  }

  const protocol = coreProtocol<ens.ReplicaConfig, ReplicaState, ens.ReplicaInput, ReplicaOutput, EnsembleMessage, RaftWrite, RaftDisk, ZkSimNode>({
    core: ens.zkEnsembleCore,
    name: "zk",
    disk: raftDisk,
    boot(id, cluster, seed, disk) {
      const state = ens.createReplica(
        { id, replicas: cluster, seed, tickMs: 10, tickTimeMs: 20, electionTick: 10, heartbeatTick: 2, snapshotEvery: c.snapshotEvery, maxSizePerMsg: 4096, startTimeMs: shared.latestNow },
        raftPersistedState(disk),
      );
      return {
        state,
        id,
        gw: { conn: 0, sessionId: 0, password: "", lastZxidSeen: 0, state: "idle", xid: 0, lockPath: undefined },
        calls: new Map(),
        waiting: [],
        running: new Set(),
        deferred: [],
        terms: new Map(),
        inspect: (tree, index, command, reply) => shared.invariants.applied(id, tree, index, command, reply),
      };
    },
    tick: TICK,
    message: (message) => ({ type: "message", message }),
    // The replica's apply hook hands the tree after each applied entry to the invariants.
    stepCore(node, input) {
      const r = ens.step(node.state, input, node.inspect);
      if (r.state.now > shared.latestNow) shared.latestNow = r.state.now;
      return r;
    },
    perform: (node, o, fx, d) => handle(node, o, fx, d),
    durable(node, w, fx, d) {
      acknowledgeRaftWrite(w, (input) => d.step(node, input, fx));
    },
    request(node, r, fx, d) {
      if (node.running.has(r.id)) return; // a retry of an op still running here
      node.running.add(r.id);
      if (node.gw.state === "connected") return start(node, r, fx, d);
      node.waiting.push(r);
      if (node.gw.state === "idle") connect(node, fx, d);
    },
    // Continuations of the gateway's calls run once the event's outputs are all performed (they may step again).
    settle(node) {
      for (let k = 0; k < 10_000 && node.deferred.length > 0; k++) node.deferred.shift()!();
    },
    view(replica, out: NodeView) {
      const s = replica.raft;
      out.term = raft.term(s);
      out.role = raft.role(s);
      out.vote = raft.vote(s);
      out.commit = raft.commitIndex(s);
      out.applied = raft.appliedIndex(s);
      out.leader = raft.leader(s);
    },
    describe: (m) => (m.type === "raft" ? { kind: m.message.type, term: m.message.term } : { kind: m.type, term: 0 }),
    overtakes: (m) => m.type !== "raft",
    checker(): ObservationChecker {
      const raftChecker = new RaftInvariants();
      return {
        observe(record: TraceRecord, step: number): readonly Violation[] {
          const found = raftChecker.observe(record, step);
          const pending = shared.invariants.violations;
          if (pending.length === 0) return found;
          const t = "t" in record && typeof record.t === "number" ? record.t : 0;
          const mine = pending.splice(0).map((v) => ({ ...v, step, t }));
          return [...found, ...mine];
        },
      };
    },
  });
  return Object.assign(protocol, { invariants: shared.invariants });
}
