/**
 * The node runtime for a whole Kafka node in KRaft mode (the `kraft-node` core: quorum replica, quorum
 * controller and broker image): ticks from a timer, messages over the transport's `kafka` family, the metadata
 * log on durable storage (`KRaftStorage`), outputs performed per the durability contract through the shared
 * {@link OutputPipeline}. Admin requests (CreateTopics, …) go to the local controller; their replies come back
 * through the returned promise.
 * @module
 */
import * as kn from "../../core/kraft-node/index.js";
import type { KafkaNode, KafkaNodeConfig, NodeInput, NodeOutput } from "../../core/kraft-node/index.js";
import * as kraft from "../../core/kraft/index.js";
import type { PersistedState } from "../../core/kraft/index.js";
import type { ControllerRequest, ControllerResponse } from "../../core/metadata/index.js";
import { KRaftStorage } from "../storage/index.js";
import { NodeRuntime, RuntimeNode, type NodeRuntimeOptions } from "./runtime.js";

/** Options of {@link KafkaProcessNode.start}. */
export interface KafkaProcessNodeOptions extends NodeRuntimeOptions {
  /** The node's configuration (its `id` must equal the runtime's). Default tickMs 50. */
  readonly config: KafkaNodeConfig;
  /** Every `event` output (became active, fenced, …), for the node's log and status. */
  readonly onEvent?: (what: string) => void;
  /** Wall clock in ms (status timestamps). Default `Date.now`. */
  readonly clock?: () => number;
}

/** Where the node stands, as `GET /status` reports it. */
export interface KafkaNodeStatus {
  readonly id: number;
  readonly role: KafkaNodeConfig["role"];
  /** Quorum role (leader, follower, candidate, observer, …). */
  readonly quorumRole: string;
  readonly quorumEpoch: number;
  readonly quorumLeader: number;
  /** Whether this node's controller is the active one. */
  readonly active: boolean;
  /** The epoch it is active in (−1 when not). */
  readonly activeEpoch: number;
  /** Wall-clock ms when it last became active (−1 never). */
  readonly activeSinceMs: number;
  /** Offset of the last record in this node's image. */
  readonly imageOffset: number;
  /** Partitions in this node's image (the broker's, else the controller's). */
  readonly partitions: number;
  /** Brokers registered and unfenced in the image. */
  readonly unfencedBrokers: number;
  /** Wall-clock ms when the image last changed. */
  readonly imageChangedMs: number;
}

/** A running Kafka node (KRaft mode). */
export class KafkaProcessNode extends RuntimeNode<"kafka", KafkaNode, NodeInput, NodeOutput, PersistedState | undefined> {
  private activeSinceMs = -1;
  private imageChangedMs = -1;
  private lastImageOffset = -2;

  private constructor(
    private readonly o: KafkaProcessNodeOptions,
    rt: NodeRuntime<"kafka", KafkaNode, NodeInput, NodeOutput, PersistedState | undefined>,
    private readonly replies: Map<number, (r: ControllerResponse) => void>,
  ) {
    super(rt);
  }

  /** Recovers the node from its data directory, starts the transport and the tick timer. */
  static async start(o: KafkaProcessNodeOptions): Promise<KafkaProcessNode> {
    const replies = new Map<number, (r: ControllerResponse) => void>();
    const clock = o.clock ?? Date.now;
    let node: KafkaProcessNode | undefined;
    const rt = await NodeRuntime.start<"kafka", KafkaNode, NodeInput, NodeOutput, PersistedState | undefined>(o, {
      family: "kafka",
      logPrefix: "kafka",
      tickMs: o.config.tickMs ?? 50,
      open: async (opts) => {
        const { storage, persisted } = await KRaftStorage.open(opts);
        return {
          storage: { persist: async (p: NodeOutput) => [await storage.persist((p as Extract<NodeOutput, { type: "persist" }>).write)], stats: () => storage.stats(), close: () => storage.close() },
          persisted,
        };
      },
      create: (persisted: PersistedState | undefined) => kn.createNode({ tickMs: 50, ...o.config, id: o.id }, persisted),
      step: (s, i) => {
        const r = kn.step(s, i);
        node?.observe(r.state, clock());
        return r;
      },
      tick: { type: "tick" },
      message: (message): NodeInput => ({ type: "message", message }),
      sent: (s) => (s as Extract<NodeOutput, { type: "send" }>).message,
      fatalOutput: (outputs) => {
        const e = outputs.find((x) => x.type === "error");
        return e !== undefined && e.type === "error" ? new Error(e.detail) : undefined;
      },
      perform: (x, _feed, log) => {
        if (x.type === "admin-reply") {
          replies.get(x.id)?.(x.response);
          replies.delete(x.id);
        } else if (x.type === "event") {
          log(x.what);
          o.onEvent?.(x.what);
        } else if (x.type === "rejected") log(`rejected: ${x.reason}: ${x.detail}`);
      },
    });
    node = new KafkaProcessNode(o, rt, replies);
    node.observe(rt.current, clock());
    return node;
  }

  private nextAdmin = 1;

  /** Sends an admin request to this node's controller; resolves with its reply (NOT_CONTROLLER when not active). */
  admin(request: ControllerRequest, timeoutMs = 30_000): Promise<ControllerResponse> {
    const id = this.nextAdmin++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replies.delete(id);
        reject(new Error(`no reply to ${request.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.replies.set(id, (r) => (clearTimeout(timer), resolve(r)));
      this.rt.step({ type: "admin", id, request });
    });
  }

  private observe(n: KafkaNode, nowMs: number): void {
    if (kn.isActiveController(n) && this.activeSinceMs < 0) this.activeSinceMs = nowMs;
    if (!kn.isActiveController(n)) this.activeSinceMs = -1;
    const offset = kn.nodeImage(n).offset;
    if (offset !== this.lastImageOffset) (this.lastImageOffset = offset), (this.imageChangedMs = nowMs);
  }

  /** Where the node stands. */
  status(): KafkaNodeStatus {
    const n = this.rt.current;
    const img = kn.nodeImage(n);
    let unfenced = 0;
    for (const b of img.brokers.values()) if (!b.fenced) unfenced++;
    return {
      id: this.o.id, role: n.config.role, quorumRole: kraft.role(n.quorum), quorumEpoch: kraft.epoch(n.quorum), quorumLeader: kn.quorumLeader(n),
      active: kn.isActiveController(n), activeEpoch: kn.activeEpoch(n), activeSinceMs: this.activeSinceMs, imageOffset: img.offset,
      partitions: img.partitionCount, unfencedBrokers: unfenced, imageChangedMs: this.imageChangedMs,
    };
  }
}
