import * as kraftNode from "../../core/kraft-node/index.js";
import type { KafkaNode, NodeDisk, NodeMessage, NodeOutput, NodeRole } from "../../core/kraft-node/index.js";
import { checkAfterStep, emptyClusterHistory, nodeRestarted, type ClusterHistory, type ClusterViolation } from "../../check/invariants/kraft-node.js";
import * as kraft from "../../core/kraft/index.js";
import { configKey } from "../../core/metadata/index.js";
import type { ControllerRequest, ControllerResponse } from "../../core/metadata/index.js";
import type { NodeId, Role, Violation } from "../../check/invariants/index.js";
import { coreProtocol, type Driver, type DriverNode } from "./driver.js";
import type { ClientRequest, DurableInfo, Effects, NodeView, ObservationChecker, Protocol } from "./protocol.js";

type PersistOutput = Extract<NodeOutput, { type: "persist" }>["write"];

/** A storage write and, once applied, what it acknowledges. */
export interface KraftWrite {
  readonly out: PersistOutput;
  ackEnd: number;
  ackEpoch: number;
}

/** One simulated Kafka node: the pure node plus the driver's bookkeeping. */
export interface KraftSimNode extends DriverNode<KafkaNode> {
  readonly id: NodeId;
  /** Admin requests waiting for the node's next tick (scenarios put them here). */
  readonly adminQueue: { id: number; request: ControllerRequest }[];
  /** Replies to admin requests from scenarios, by id. */
  readonly adminReplies: Map<number, ControllerResponse>;
  /** Simulator client requests being served by the local controller. */
  readonly clientOps: Set<number>;
  /** Notable events, in order, for narration. */
  readonly events: string[];
  /** Whether this process has asked for the demo topic. */
  topicRequested: boolean;
}

/** The cluster and timing of a simulated KRaft deployment. */
export interface KraftSimConfig {
  /** Role of node `id` in a cluster of `n` nodes (ids 1..n); the non-brokers are the quorum's voters. */
  readonly roleOf: (id: NodeId, n: number) => NodeRole;
  /** Milliseconds per tick; must match the simulator's tick (10 ms). */
  readonly tickMs: number;
  readonly quorum: Partial<Omit<kraft.KRaftConfig, "id" | "voters" | "seed" | "tickMs">>;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly noOpIntervalMs: number;
  readonly requestTimeoutMs: number;
  /** Each node writes a metadata snapshot after this many applied entries (0: never). */
  readonly snapshotEveryEntries?: number;
  /** Partitions of the topic the first active controller creates once enough brokers are unfenced (0: none). */
  readonly demoPartitions: number;
  /** Called with every violation as it is found (scenarios); the simulator's checker gets them too. */
  readonly onViolation?: (v: ClusterViolation) => void;
  /** The invariant checker's history (default: a fresh one), so a scenario can inspect or tune it. */
  readonly history?: ClusterHistory;
  /**
   * Deliver quorum leadership changes to each controller only every this many ms, at a tick (Kafka's listener is
   * asynchronous), so committed batches of a newer epoch can reach a controller that still thinks it is active.
   * 0 or absent: at the end of every step.
   */
  readonly leadershipNoticeEveryMs?: number;
}

/** Three voters (combined on even seeds, dedicated controllers on odd), the rest brokers; all combined when n ≤ 3. */
export function defaultRoles(seed: number): (id: NodeId, n: number) => NodeRole {
  return (id, n) => (n <= 3 ? "combined" : id > 3 ? "broker" : seed % 2 === 0 ? "combined" : "controller");
}

/** Kafka's defaults (election 1000 ms, fetch 2000 ms, session 9000 ms, heartbeat 2000 ms, NoOp 500 ms). */
export const KAFKA_DEFAULT_TIMING = {
  quorum: { electionTimeoutMs: 1000, fetchTimeoutMs: 2000, electionBackoffMaxMs: 1000, requestTimeoutMs: 2000, fetchMaxWaitMs: 500 },
  sessionTimeoutMs: 9000,
  heartbeatIntervalMs: 2000,
  noOpIntervalMs: 500,
  requestTimeoutMs: 2000,
} as const;

/**
 * Kafka's quorum timing scaled by 1/5 and broker sessions by 1/18 (session 500 ms, heartbeat 100 ms), so that
 * random fault runs of a few thousand events see many elections, and partitions and crashes (which last 20 to
 * 1000 ms) often outlast a broker's session and get it fenced.
 */
export const FAST_TIMING = {
  quorum: { electionTimeoutMs: 200, fetchTimeoutMs: 400, electionBackoffMaxMs: 200, requestTimeoutMs: 400, fetchMaxWaitMs: 100 },
  sessionTimeoutMs: 500,
  heartbeatIntervalMs: 100,
  noOpIntervalMs: 100,
  requestTimeoutMs: 200,
} as const;

/** The configuration of a random fault run: fast timing, roles by seed, a 6-partition demo topic, snapshots every 40 entries. */
export function kraftConfigFor(o: { readonly seed: number }): KraftSimConfig {
  return { roleOf: defaultRoles(o.seed), tickMs: 10, ...FAST_TIMING, demoPartitions: 6, snapshotEveryEntries: 40 };
}

const CLUSTER_CONFIG = configKey("cluster", "");

function mapRole(n: KafkaNode): Role {
  const r = kraft.role(n.quorum);
  if (n.config.role === "broker") return "learner";
  return r === "leader" ? "leader" : r === "candidate" ? "candidate" : r === "prospective" ? "pre-candidate" : "follower";
}

/** Applies a quorum persist to a disk in place, in the order the core specifies. */
export function applyPersist(disk: NodeDisk, o: PersistOutput): void {
  if (o.quorumState !== undefined) disk.quorumState = o.quorumState;
  const base = (): number => disk.snapshot?.id.endOffset ?? 0;
  if (o.truncateTo !== undefined) disk.entries.length = Math.max(0, Math.min(disk.entries.length, o.truncateTo - base()));
  if (o.entries !== undefined && o.entries.length > 0) {
    disk.entries.length = Math.max(0, Math.min(disk.entries.length, o.entries[0]!.offset - base()));
    for (const e of o.entries) disk.entries.push(e);
  }
  if (o.snapshot !== undefined) {
    const drop = o.snapshot.id.endOffset - base();
    if (drop >= disk.entries.length) disk.entries.length = 0;
    else disk.entries.splice(0, drop);
    disk.snapshot = o.snapshot;
  }
}

type Fx = Effects<NodeMessage, KraftWrite>;
type KraftDriver = Driver<KraftSimNode, kraftNode.NodeInput, NodeOutput, NodeMessage, KraftWrite>;

/** The tick input: immutable, so one object serves every tick. */
const TICK: kraftNode.NodeInput = Object.freeze({ type: "tick" });

/**
 * Kafka nodes in KRaft mode as a simulator `Protocol` (through the generic driver, `coreProtocol`): drives
 * the node with ticks, messages, storage acknowledgements and client requests (writes are AlterConfigs on the
 * cluster resource, served by the active controller; reads are served from its committed image), and checks
 * the cluster invariants after every event. `registry` (optional) receives every live node's handle, so
 * scenario runners can watch and steer the cluster.
 */
export function kraftProtocol(c: KraftSimConfig, registry: Map<NodeId, KraftSimNode> = new Map()): Protocol<KraftSimNode, NodeMessage, KraftWrite, NodeDisk> {
  const history: ClusterHistory = c.history ?? emptyClusterHistory();
  const pending: ClusterViolation[] = [];
  const starts = new Map<NodeId, number>();

  function live(): KafkaNode[] {
    const out: KafkaNode[] = [];
    for (const h of registry.values()) out.push(h.state);
    return out;
  }

  function check(h: KraftSimNode): void {
    const vs = checkAfterStep(history, h.state, live());
    for (const v of vs) {
      pending.push(v);
      c.onViolation?.(v);
    }
  }

  /** The first active controller creates the demo topic once enough brokers are unfenced. */
  function maybeCreateDemoTopic(h: KraftSimNode): void {
    const ctl = h.state.controller;
    if (c.demoPartitions === 0 || h.topicRequested || ctl?.active == null) return;
    const img = ctl.committed;
    if (img.topicByName("orders") !== undefined) return;
    let unfenced = 0;
    for (const b of img.brokers.values()) if (!b.fenced) unfenced++;
    if (unfenced < 2) return;
    h.topicRequested = true;
    h.adminQueue.push({ id: -1, request: { type: "CreateTopics", topics: [{ name: "orders", numPartitions: c.demoPartitions, replicationFactor: Math.min(3, unfenced) }] } });
  }

  return coreProtocol<kraftNode.KafkaNodeConfig, KafkaNode, kraftNode.NodeInput, NodeOutput, NodeMessage, KraftWrite, NodeDisk, KraftSimNode>({
    core: kraftNode.kraftNodeCore,
    name: "kraft",
    disk: {
      empty: () => ({ quorumState: { epoch: 0, leaderId: -1, votedId: -1, votedDirectoryId: "" }, snapshot: undefined, entries: [] }),
      apply(disk, w): DurableInfo {
        applyPersist(disk, w.out);
        const last = disk.entries[disk.entries.length - 1];
        w.ackEnd = last !== undefined ? last.offset + 1 : (disk.snapshot?.id.endOffset ?? 0);
        w.ackEpoch = last !== undefined ? last.epoch : (disk.snapshot?.id.epoch ?? 0);
        return { term: disk.quorumState.epoch, vote: disk.quorumState.votedId > 0 ? disk.quorumState.votedId : 0 };
      },
    },
    boot(id, cluster, seed, disk) {
      const n = cluster.length;
      const voters = cluster.filter((x) => c.roleOf(x, n) !== "broker");
      const incarnation = starts.get(id) ?? 0;
      starts.set(id, incarnation + 1);
      const fresh = disk.quorumState.epoch === 0 && disk.entries.length === 0 && disk.snapshot === undefined;
      const persisted: kraft.PersistedState | undefined = fresh
        ? undefined
        : { quorumState: disk.quorumState, entries: disk.entries.slice(), ...(disk.snapshot === undefined ? {} : { snapshot: disk.snapshot }) };
      const state = kraftNode.createNode(
        {
          id,
          role: c.roleOf(id, n),
          voters,
          seed,
          incarnation,
          tickMs: c.tickMs,
          quorum: c.quorum,
          controller: { sessionTimeoutMs: c.sessionTimeoutMs, noOpIntervalMs: c.noOpIntervalMs },
          heartbeatIntervalMs: c.heartbeatIntervalMs,
          requestTimeoutMs: c.requestTimeoutMs,
          snapshotEveryEntries: c.snapshotEveryEntries ?? 0,
          leadershipNotice: (c.leadershipNoticeEveryMs ?? 0) > 0 ? "on-input" : "after-each-step",
        },
        persisted,
      );
      const h: KraftSimNode = { state, id, adminQueue: [], adminReplies: new Map(), clientOps: new Set(), events: [], topicRequested: false };
      registry.set(id, h);
      nodeRestarted(history, id);
      return h;
    },
    tick: TICK,
    message: (message) => ({ type: "message", message }),
    perform(h, o, fx: Fx) {
      switch (o.type) {
        case "send":
          fx.send(o.message.to, o.message);
          break;
        case "persist":
          fx.persist({ out: o.write, ackEnd: -1, ackEpoch: -1 });
          break;
        case "admin-reply":
          if (h.clientOps.delete(o.id)) {
            const ok = o.response.errorCode === "NONE";
            const leader = kraftNode.quorumLeader(h.state);
            fx.reply(o.id, ok ? { ok: true, index: h.state.controller?.committed.offset ?? 0, term: o.epoch } : { ok: false, leaderHint: leader > 0 ? leader : 0, reason: "not-leader" });
          } else h.adminReplies.set(o.id, o.response);
          break;
        case "event":
          h.events.push(o.what);
          break;
        case "error": {
          const v: ClusterViolation = { invariant: "node-error", node: h.id, detail: o.detail };
          pending.push(v);
          c.onViolation?.(v);
          break;
        }
      }
    },
    durable(h, w, fx, driver) {
      driver.step(h, { type: "persisted", endOffset: w.ackEnd, epoch: w.ackEpoch }, fx);
    },
    beforeTick(h, fx, driver: KraftDriver) {
      const every = c.leadershipNoticeEveryMs ?? 0;
      if (every > 0 && h.state.nowMs % every < c.tickMs) driver.step(h, { type: "leadership-notice" }, fx);
      maybeCreateDemoTopic(h);
      while (h.adminQueue.length > 0) {
        const a = h.adminQueue.shift()!;
        driver.step(h, { type: "admin", id: a.id, request: a.request }, fx);
      }
    },
    // The cluster invariants are checked after every event that stepped a node.
    settle(h, _fx, _driver, stepped) {
      if (stepped) check(h);
    },
    request(h, r: ClientRequest, fx, driver) {
      const ctl = h.state.controller;
      if (ctl?.active == null) {
        const leader = kraftNode.quorumLeader(h.state);
        fx.reply(r.id, { ok: false, leaderHint: leader > 0 ? leader : 0, reason: "not-leader" });
        return;
      }
      if (r.f === "read") {
        const v = ctl.committed.configs.get(CLUSTER_CONFIG)?.get(r.key) ?? null;
        fx.reply(r.id, { ok: true, value: v, index: ctl.committed.offset });
        return;
      }
      h.clientOps.add(r.id);
      driver.step(h, { type: "admin", id: r.id, request: { type: "AlterConfigs", resources: [{ resourceType: "cluster", resourceName: "", configs: { [r.key]: r.value } }] } }, fx);
    },
    view(n, out: NodeView) {
      out.term = kraft.epoch(n.quorum);
      out.role = mapRole(n);
      const v = kraft.votedId(n.quorum);
      out.vote = v > 0 ? v : 0;
      out.commit = kraft.highWatermark(n.quorum);
      out.applied = Math.max(0, kraftNode.nodeImage(n).offset + 1);
      const l = kraft.leader(n.quorum);
      out.leader = l > 0 ? l : 0;
    },
    describe: (m) => ({ kind: m.kind === "quorum" ? m.message.type : m.kind, term: m.kind === "quorum" && "epoch" in m.message ? m.message.epoch : 0 }),
    // A leader's Fetch responses may leave while its own write is in flight (it counts itself only once durable);
    // broker-controller RPCs do not depend on the sender's disk.
    overtakes: (m) => m.kind !== "quorum" || m.message.type === "fetch-response",
    checker(): ObservationChecker {
      return {
        observe(record, step) {
          if (pending.length === 0) return [];
          const out: Violation[] = pending.map((v) => ({ invariant: v.invariant, step, t: record.t ?? 0, node: v.node, detail: v.detail }));
          pending.length = 0;
          return out;
        },
      };
    },
  });
}
