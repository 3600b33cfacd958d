/**
 * An in-process Kafka cluster in KRaft mode on the deterministic simulator: 3 controllers (quorum voters) and N
 * brokers (observers that fetch the metadata log), with scheduled faults, admin requests to the active
 * controller, and a client that asks a broker which broker leads a partition. Every event is checked against the
 * cluster invariants; violations are collected in {@link KafkaCluster.violations}.
 */
import * as kraftNode from "../../core/kraft-node/index.js";
import type { ClusterHistory, ClusterViolation, KafkaNode, NodeRole } from "../../core/kraft-node/index.js";
import { leaderOf } from "../../core/metadata/index.js";
import type { ControllerRequest, ControllerResponse, LeaderLookup, MetadataImage } from "../../core/metadata/index.js";
import { KAFKA_DEFAULT_TIMING, Simulator, kraftProtocol, noFaults } from "../simulator/index.js";
import type { KraftSimNode } from "../simulator/index.js";

/** One line of a narrated timeline. */
export interface TimelineEvent {
  readonly t_ms: number;
  readonly what: string;
}

/** How to build the cluster. */
export interface ClusterSpec {
  /** Dedicated controllers (ids 1..controllers). Default 3. */
  readonly controllers?: number;
  /** Brokers (ids after the controllers). Default 5. */
  readonly brokers?: number;
  /** Seed of the simulator (delays, election timeouts). Default 1. */
  readonly seed?: number;
}

/** Raised when the cluster does not reach an expected state in time. */
export class ClusterTimeoutError extends Error {
  readonly code = "E_CLUSTER_TIMEOUT";
  constructor(message: string) {
    super(message);
    this.name = "ClusterTimeoutError";
  }
}

const SLICE_MS = 10;

/** A simulated KRaft cluster with Kafka's default timing and a 10 ms tick. */
export class KafkaCluster {
  readonly controllerIds: number[];
  readonly brokerIds: number[];
  readonly violations: ClusterViolation[] = [];
  readonly timeline: TimelineEvent[] = [];
  /** Simulated milliseconds since boot. */
  now = 0;
  readonly down = new Set<number>();
  private readonly registry = new Map<number, KraftSimNode>();
  private readonly sim: Simulator;
  private readonly history: ClusterHistory = kraftNode.emptyClusterHistory();
  private adminId = 1;
  /** Whether node-level events (elections, fencing, registration) go into the timeline. */
  narrateNodes = true;

  constructor(spec: ClusterSpec = {}) {
    const controllers = spec.controllers ?? 3;
    const brokers = spec.brokers ?? 5;
    this.controllerIds = Array.from({ length: controllers }, (_, k) => k + 1);
    this.brokerIds = Array.from({ length: brokers }, (_, k) => controllers + k + 1);
    const roleOf = (id: number): NodeRole => (id <= controllers ? "controller" : "broker");
    const protocol = kraftProtocol(
      { roleOf, tickMs: SLICE_MS, ...KAFKA_DEFAULT_TIMING, demoPartitions: 0, onViolation: (v) => this.violations.push(v), history: this.history },
      this.registry,
    );
    this.sim = new Simulator(protocol, { seed: spec.seed ?? 1, nodes: controllers + brokers, steps: 0, faults: noFaults(), clients: 0, nemesis: false, liveness: false, stopOnViolation: false });
    this.sim.start();
  }

  /** Adds a line to the timeline at the current time. */
  narrate(what: string): void {
    this.timeline.push({ t_ms: this.now, what });
  }

  /** The node's current state (a crashed node's last state). */
  node(id: number): KafkaNode {
    const h = this.registry.get(id);
    if (h === undefined) throw new RangeError(`no node ${id}; nodes are 1..${this.controllerIds.length + this.brokerIds.length}`);
    return h.state;
  }

  /** Runs simulated time, in 10 ms slices, until `ms` passed or `until` holds. Returns whether `until` held. */
  advance(ms: number, until?: () => boolean): boolean {
    const end = this.now + ms;
    while (this.now < end) {
      if (until?.() === true) return true;
      this.sim.advance(SLICE_MS);
      this.now += SLICE_MS;
      this.drainEvents();
    }
    return until?.() === true;
  }

  /** Like {@link advance} but throws {@link ClusterTimeoutError} when `until` does not hold within `ms`. */
  waitFor(what: string, ms: number, until: () => boolean): void {
    if (!this.advance(ms, until)) throw new ClusterTimeoutError(`${what} did not happen within ${ms} ms (at t=${this.now} ms)`);
  }

  private drainEvents(): void {
    for (const [id, h] of this.registry) {
      if (h.events.length === 0) continue;
      if (this.narrateNodes) {
        for (const e of h.events) {
          // Followers and unattached voters are noise in a timeline; keep elections, controllers and brokers.
          if (/^quorum: (follower|unattached)/.test(e)) continue;
          this.narrate(`${this.name(id)}: ${e}`);
        }
      }
      h.events.length = 0;
    }
  }

  /** "controller 2" or "broker 5". */
  name(id: number): string {
    return `${this.controllerIds.includes(id) ? "controller" : "broker"} ${id}`;
  }

  /** Crashes a node now. */
  crash(id: number): void {
    this.sim.crashNode(id);
    this.down.add(id);
    this.narrate(`${this.name(id)} crashes`);
  }

  /** Restarts a crashed node from its disk. */
  restart(id: number): void {
    this.sim.restartNode(id);
    this.down.delete(id);
    this.narrate(`${this.name(id)} restarts from its disk`);
  }

  /** Cuts `ids` off from every other node (both directions). */
  isolate(ids: readonly number[]): void {
    this.sim.partitionNodes(ids, "symmetric");
    this.narrate(`network partition: {${ids.join(",")}} cut off from the rest`);
  }

  /** Heals the network. */
  heal(): void {
    this.sim.healNetwork();
    this.narrate("network healed");
  }

  /** Live controllers whose controller is active, by epoch (highest first). */
  activeControllers(): number[] {
    return this.controllerIds
      .filter((id) => !this.down.has(id) && kraftNode.isActiveController(this.node(id)))
      .sort((a, b) => kraftNode.activeEpoch(this.node(b)) - kraftNode.activeEpoch(this.node(a)));
  }

  /** The live active controller with the highest epoch, or -1. */
  activeController(): number {
    return this.activeControllers()[0] ?? -1;
  }

  /** A broker's metadata image. */
  brokerImage(id: number): MetadataImage {
    const img = kraftNode.brokerImage(this.node(id));
    if (img === null) throw new RangeError(`node ${id} is not a broker`);
    return img;
  }

  /** The client asks broker `brokerId` which broker leads `topic`-`partition` (a Metadata request). */
  whoLeads(brokerId: number, topic: string, partition: number): LeaderLookup {
    return leaderOf(this.brokerImage(brokerId), topic, partition);
  }

  /** Queues an admin request at node `id`'s next tick; returns its id for {@link reply}. */
  sendAdmin(id: number, request: ControllerRequest): number {
    const h = this.registry.get(id);
    if (h === undefined) throw new RangeError(`no node ${id}`);
    const rid = this.adminId++;
    h.adminQueue.push({ id: rid, request });
    return rid;
  }

  /** The reply to admin request `rid` sent to node `id`, if it arrived. */
  reply(id: number, rid: number): ControllerResponse | undefined {
    return this.registry.get(id)?.adminReplies.get(rid);
  }

  /** Sends a request to the active controller and waits (simulated time) for its reply. */
  admin(request: ControllerRequest, timeoutMs = 10_000): ControllerResponse {
    const to = this.activeController();
    if (to < 0) throw new ClusterTimeoutError("no active controller to send an admin request to");
    const rid = this.sendAdmin(to, request);
    this.waitFor(`reply to ${request.type}`, timeoutMs, () => this.reply(to, rid) !== undefined);
    return this.reply(to, rid) as ControllerResponse;
  }

  /** Boots: waits for an active controller and every broker registered and unfenced. */
  bootstrap(): void {
    this.waitFor("an active controller", 10_000, () => this.activeController() >= 0);
    this.waitFor("every broker unfenced", 20_000, () => {
      const img = this.node(this.activeController()).controller?.committed;
      return img !== undefined && this.brokerIds.every((b) => img.broker(b)?.fenced === false);
    });
    this.narrate(`cluster up: active controller ${this.activeController()}, brokers ${this.brokerIds.join(",")} registered and unfenced`);
  }

  /**
   * Creates `total` partitions (topics `prefix-0`, `prefix-1`, … of at most `perTopic` partitions each, `rf`
   * replicas) through the active controller, and waits until every live broker's image holds them all.
   */
  createPartitions(prefix: string, total: number, rf: number, perTopic = 100): string[] {
    const names: string[] = [];
    const ctl = this.activeController();
    const ids: number[] = [];
    for (let k = 0; k * perTopic < total; k++) {
      const name = total <= perTopic ? prefix : `${prefix}-${k}`;
      names.push(name);
      ids.push(this.sendAdmin(ctl, { type: "CreateTopics", topics: [{ name, numPartitions: Math.min(perTopic, total - k * perTopic), replicationFactor: rf }] }));
    }
    this.waitFor(`creation of ${total} partitions`, 120_000, () => ids.every((rid) => this.reply(ctl, rid) !== undefined));
    for (const rid of ids) {
      const r = this.reply(ctl, rid);
      if (r?.type !== "CreateTopics" || r.topics[0]?.errorCode !== "NONE") throw new ClusterTimeoutError(`CreateTopics failed: ${JSON.stringify(r)}`);
    }
    const last = names[names.length - 1] as string;
    this.waitFor("brokers replaying the new topics", 60_000, () => this.brokerIds.every((b) => this.down.has(b) || this.brokerImage(b).topicByName(last) !== undefined));
    this.narrate(`${total} partitions in ${names.length} topic(s), replication factor ${rf}, in every broker's image`);
    return names;
  }

  /** Turns the cross-node image comparison off or on (it is quadratic while bulk-loading huge images). */
  compareImages(on: boolean): void {
    this.history.compareImages = on;
  }
}
