/**
 * A Kafka broker in ZooKeeper mode as a process: the `zk-broker` core (metadata cache, replicas) and the
 * `zk-controller` core (its controller component), driven by real I/O — a ZooKeeper session over the wire
 * (registration as the ephemeral `/brokers/ids/<id>`, the controller's requests pipelined, watches as inputs)
 * and the transport's `zk-kafka` family for the controller's LeaderAndIsr / UpdateMetadata / StopReplica and
 * their responses. Ticks carry wall-clock time since start. The cores decide everything; this only performs.
 * @module
 */
import {
  BROKER_IDS_PATH, TOPICS_PATH, createZkBroker, createZkController, stepZkBroker, stepZkController,
} from "../../core/zk-controller/index.js";
import type { BrokerRequest, ZkBrokerState, ZkControllerInput, ZkControllerState, ZkWatchEvent } from "../../core/zk-controller/index.js";
import { Code } from "../../core/zk/index.js";
import type { ZkKafkaMessage } from "../codec/kafka.js";
import { DEFAULT_QUEUE_LIMIT, Transport, type PeerAddress } from "../transport/index.js";
import { createRequest, fromReply, isRead, toRead, toWrite } from "./zk-ops.js";
import { ZkSession } from "./zk-session.js";

/** Options of {@link ZkBrokerProcess.start}. */
export interface ZkBrokerProcessOptions {
  readonly id: number;
  readonly clusterId: string;
  /** ZooKeeper servers (the connect string). */
  readonly zookeeper: readonly PeerAddress[];
  /** Kafka's `zookeeper.session.timeout.ms`. */
  readonly sessionTimeoutMs: number;
  /** This broker's transport listen address. */
  readonly listen: PeerAddress;
  /** Every other broker's transport address. */
  readonly peers: ReadonlyMap<number, PeerAddress>;
  readonly log: (line: string) => void;
  /** Called once when the broker must stop (its ZooKeeper connection is gone). */
  readonly onFatal?: (error: Error) => void;
  /** Wall clock in ms. Default `Date.now`. */
  readonly clock?: () => number;
}

/** Where a ZooKeeper-mode broker stands, as `GET /status` reports it. */
export interface ZkBrokerStatus {
  readonly id: number;
  /** Its controller component's role: idle, electing, standby or active. */
  readonly controller: string;
  /** The epoch its controller is active in (its last known epoch otherwise). */
  readonly controllerEpoch: number;
  /** Wall-clock ms when its controller last became active (−1 never). */
  readonly activeSinceMs: number;
  /** The highest controller epoch the broker accepted requests from. */
  readonly brokerControllerEpoch: number;
  /** The controller it last accepted a request from (−1 none yet). */
  readonly knownController: number;
  /** Partitions in its metadata cache. */
  readonly partitions: number;
  /** Of which led by a broker in the live set it was last sent. */
  readonly ledByLive: number;
  readonly liveBrokers: readonly number[];
  /** Wall-clock ms when it last applied a controller request (−1 never). */
  readonly lastApplyMs: number;
}

/** A running ZooKeeper-mode broker. */
export class ZkBrokerProcess {
  private controller: ZkControllerState;
  private broker: ZkBrokerState;
  private readonly started: number;
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private activeSinceMs = -1;
  private lastApplyMs = -1;
  private knownController = -1;
  private session!: ZkSession;
  private transport!: Transport<"zk-kafka">;

  private constructor(private readonly o: ZkBrokerProcessOptions) {
    this.clock = o.clock ?? Date.now;
    this.started = this.clock();
    this.controller = createZkController({ brokerId: o.id });
    this.broker = createZkBroker({ brokerId: o.id });
  }

  /** Starts the transport, opens the session, registers the broker and starts its controller's election. */
  static async start(o: ZkBrokerProcessOptions): Promise<ZkBrokerProcess> {
    const b = new ZkBrokerProcess(o);
    b.transport = await Transport.start<"zk-kafka">({
      family: "zk-kafka", clusterId: o.clusterId, nodeId: o.id, host: o.listen.host, port: o.listen.port, peers: o.peers, log: o.log,
      // Kafka's controller keeps its requests to a broker queued until they are sent, and the controller core does
      // not resend them (a later request carries only what changed): keep them while the broker is unreachable.
      unreachableLimit: DEFAULT_QUEUE_LIMIT, queueBytes: 64 * 1024 * 1024,
      onMessage: (m) => b.onMessage(m),
    });
    try {
      b.session = await ZkSession.connect({
        servers: o.zookeeper, sessionTimeoutMs: o.sessionTimeoutMs,
        onWatch: (e) => b.stepController({ type: "zk-watch", event: WATCH_EVENTS[e.type]!, path: e.path }),
        onClosed: () => b.fatal(new Error("the ZooKeeper connection is gone")),
      });
      // Kafka creates the persistent parents if missing, then registers the broker's ephemeral znode.
      for (const path of ["/brokers", BROKER_IDS_PATH, TOPICS_PATH]) {
        const r = await b.session.request(createRequest(path, "", false));
        if (r.err !== Code.OK && r.err !== Code.NODEEXISTS) throw new Error(`cannot create ${path}: ZooKeeper error ${r.err}`);
      }
      const reg = await b.session.request(createRequest(`${BROKER_IDS_PATH}/${o.id}`, JSON.stringify({ version: 5, host: o.listen.host, port: b.transport.port }), true));
      if (reg.err !== Code.OK) throw new Error(`cannot register ${BROKER_IDS_PATH}/${o.id}: ZooKeeper error ${reg.err}${reg.err === Code.NODEEXISTS ? " (a broker with this id is registered)" : ""}`);
    } catch (e) {
      await b.transport.close();
      throw e;
    }
    b.timer = setInterval(() => b.stepController({ type: "tick", nowMs: b.clock() - b.started }), 100);
    b.stepController({ type: "start" });
    return b;
  }

  /** The transport's port. */
  get port(): number {
    return this.transport.port;
  }

  /** Where the broker stands. */
  status(): ZkBrokerStatus {
    const live = new Set(this.broker.liveBrokers);
    let ledByLive = 0;
    for (const p of this.broker.cache.values()) if (live.has(p.leader)) ledByLive++;
    return {
      id: this.o.id, controller: this.controller.role, controllerEpoch: this.controller.controllerEpoch, activeSinceMs: this.activeSinceMs,
      brokerControllerEpoch: this.broker.controllerEpoch, knownController: this.knownController, partitions: this.broker.cache.size, ledByLive, liveBrokers: [...this.broker.liveBrokers],
      lastApplyMs: this.lastApplyMs,
    };
  }

  private stepController(input: ZkControllerInput): void {
    if (this.stopped) return;
    const r = stepZkController(this.controller, input);
    this.controller = r.state;
    for (const out of r.outputs) {
      switch (out.type) {
        case "zk-request": {
          const req = out.request;
          const write = isRead(req) ? undefined : toWrite(req);
          const xid = out.xid;
          this.session.request(write ?? toRead(req as Parameters<typeof toRead>[0])).then(
            (reply) => this.stepController({ type: "zk-reply", xid, ...fromReply(reply, write) }),
            // The connection is gone, or ZooKeeper's reply could not be decoded: the session is unusable either way.
            (e: unknown) => this.fatal(new Error(`ZooKeeper request failed: ${e instanceof Error ? e.message : String(e)}`)),
          );
          break;
        }
        case "send":
          if (out.request.partitions.length >= 1000) this.o.log(`controller: ${out.request.kind} of ${out.request.partitions.length} partitions to broker ${out.broker} at ${this.clock()}`);
          this.sendToBroker(out.broker, out.request);
          break;
        case "controlled-shutdown-reply":
          this.send({ kind: "controlled-shutdown-reply", from: this.o.id, to: out.broker, correlationId: out.correlationId, remaining: out.partitionsRemaining.length });
          break;
        case "became-active":
          this.activeSinceMs = this.clock();
          this.o.log(`controller: active in epoch ${out.epoch} at ${this.activeSinceMs}`);
          break;
        case "resigned":
          this.activeSinceMs = -1;
          this.o.log(`controller: resigned (epoch ${out.epoch})`);
          break;
        case "rejected":
          this.o.log(`controller rejected an input: ${out.reason}: ${out.detail}`);
          break;
      }
    }
  }

  private sendToBroker(to: number, request: BrokerRequest): void {
    if (to === this.o.id) this.stepBroker(this.o.id, request);
    else this.send({ kind: "broker-request", from: this.o.id, to, request });
  }

  private stepBroker(from: number, request: BrokerRequest): void {
    const r = stepZkBroker(this.broker, { type: "request", from, request });
    this.broker = r.state;
    this.lastApplyMs = this.clock();
    if (request.partitions.length >= 1000) this.o.log(`broker: applied ${request.kind} of ${request.partitions.length} partitions from controller ${from} (epoch ${request.controllerEpoch}) at ${this.lastApplyMs}`);
    for (const out of r.outputs) {
      if (out.type !== "response") continue;
      if (out.error === "NONE") this.knownController = request.controllerId;
      if (out.to === this.o.id) this.stepController({ type: "broker-response", broker: this.o.id, kind: out.kind, error: out.error });
      else this.send({ kind: "broker-response", from: this.o.id, to: out.to, requestKind: out.kind, error: out.error });
    }
  }

  private send(m: ZkKafkaMessage): void {
    if (!this.stopped) this.transport.send(m);
  }

  private onMessage(m: ZkKafkaMessage): void {
    if (this.stopped) return;
    switch (m.kind) {
      case "broker-request":
        this.stepBroker(m.from, m.request);
        break;
      case "broker-response":
        this.stepController({ type: "broker-response", broker: m.from, kind: m.requestKind, error: m.error });
        break;
      case "controlled-shutdown":
        this.stepController({ type: "controlled-shutdown", broker: m.from, correlationId: m.correlationId });
        break;
      case "controlled-shutdown-reply":
        this.o.log(`controlled shutdown answered: ${m.remaining} partitions still led`);
        break;
    }
  }

  private fatal(e: Error): void {
    if (this.stopped) return;
    this.o.log(`stopping: ${e.message}`);
    void this.stop();
    this.o.onFatal?.(e);
  }

  /** Stops: the timer, the session (closed: the registration goes at once) and the transport. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.session?.close().catch(() => undefined);
    await this.transport.close();
  }
}

const WATCH_EVENTS: Record<string, ZkWatchEvent> = { NodeCreated: "created", NodeDeleted: "deleted", NodeDataChanged: "data-changed", NodeChildrenChanged: "children-changed" };
