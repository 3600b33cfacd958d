/**
 * A tiny in-memory replicated log for driving controllers and brokers in tests: appends from the active
 * controller land in an uncommitted tail; `commit()` delivers it to every controller and broker and checks the
 * metadata invariants on every committed image. Failover can keep or drop the uncommitted tail.
 */
import {
  brokerStep,
  checkImage,
  imagesAgree,
  initBroker,
  initController,
  leaderEpochsMonotonic,
  step,
} from "../../src/core/metadata/index.js";
import type {
  BrokerState,
  ControllerConfig,
  ControllerInput,
  ControllerRequest,
  ControllerResponse,
  ControllerState,
  MetadataImage,
  MetadataRecord,
  Violation,
} from "../../src/core/metadata/index.js";

/** A batch in the harness log. */
export interface LogBatch {
  readonly baseOffset: number;
  readonly epoch: number;
  readonly records: readonly MetadataRecord[];
}

export class Harness {
  controllers: ControllerState[];
  brokers = new Map<number, BrokerState>();
  /** Committed batches, in order. */
  readonly committedLog: LogBatch[] = [];
  /** Appended, not yet committed. */
  tail: LogBatch[] = [];
  leader = -1;
  epoch = 0;
  /** Next free offset in the log (control records such as LeaderChange also take one). */
  logEnd = 0;
  readonly replies = new Map<number, ControllerResponse>();
  readonly errors: string[] = [];
  readonly violations: Violation[] = [];
  /** The controllers' committed image at each offset, for the broker-agreement invariant. */
  readonly controllerImages = new Map<number, MetadataImage>();
  private nextId = 1;

  constructor(controllers = 1, config: Partial<ControllerConfig> = {}) {
    this.controllers = Array.from({ length: controllers }, (_, i) => initController({ ...config, nodeId: i, seed: (config.seed ?? 1) + i }));
  }

  /** The active controller's state. */
  get active(): ControllerState {
    return this.controllers[this.leader] as ControllerState;
  }

  private feed(i: number, input: ControllerInput): void {
    const r = step(this.controllers[i] as ControllerState, input);
    this.controllers[i] = r.state;
    for (const o of r.outputs) {
      if (o.type === "append") {
        if (i !== this.leader || o.epoch !== this.epoch || o.baseOffset !== this.logEnd) {
          this.errors.push(`controller ${i} appended at ${o.baseOffset} in epoch ${o.epoch}; log end ${this.logEnd}, epoch ${this.epoch}, leader ${this.leader}`);
          continue;
        }
        this.tail.push({ baseOffset: o.baseOffset, epoch: o.epoch, records: o.records });
        this.logEnd = o.baseOffset + o.records.length;
      } else if (o.type === "reply") this.replies.set(o.id, o.response);
      else this.errors.push(`controller ${i}: ${o.detail}`);
    }
  }

  /** Makes controller `i` the leader of a new epoch (the previous leader is told first). */
  elect(i: number, keepTail = true): void {
    const old = this.leader;
    this.epoch++;
    if (old >= 0) this.feed(old, { type: "lost-leadership", epoch: this.epoch });
    this.leader = -1;
    if (!keepTail) {
      this.logEnd = this.tail[0]?.baseOffset ?? this.logEnd;
      this.tail = [];
    }
    this.commit();
    this.leader = i;
    this.logEnd++; // the new leader's LeaderChange control record
    this.feed(i, { type: "became-leader", epoch: this.epoch, nextOffset: this.logEnd });
  }

  /** Sends a request to the active controller; returns its id. */
  send(request: ControllerRequest, to = this.leader): number {
    const id = this.nextId++;
    this.feed(to, { type: "request", id, request });
    return id;
  }

  /** Advances every controller by `n` ticks. */
  tick(n = 1): void {
    for (let k = 0; k < n; k++) for (let i = 0; i < this.controllers.length; i++) this.feed(i, { type: "tick" });
  }

  /** Adds a broker follower. */
  addBroker(id: number): void {
    let s = initBroker(id);
    for (const b of this.committedLog) s = brokerStep(s, { type: "commit", baseOffset: b.baseOffset, epoch: b.epoch, records: b.records }).state;
    this.brokers.set(id, s);
  }

  /** Commits the first `n` uncommitted batches (all by default), delivering them everywhere. */
  commit(n = this.tail.length): void {
    const batches = this.tail.splice(0, n);
    for (const b of batches) {
      this.committedLog.push(b);
      const input: ControllerInput = { type: "commit", baseOffset: b.baseOffset, epoch: b.epoch, records: b.records };
      const before = this.controllers.map((c) => c.committed);
      for (let i = 0; i < this.controllers.length; i++) this.feed(i, input);
      const img = (this.controllers[0] as ControllerState).committed;
      this.controllerImages.set(img.offset, img);
      for (let i = 0; i < this.controllers.length; i++) {
        const c = (this.controllers[i] as ControllerState).committed;
        this.violations.push(...checkImage(c), ...leaderEpochsMonotonic(before[i] as MetadataImage, c), ...imagesAgree(c, img));
      }
      for (const [id, s] of this.brokers) {
        const r = brokerStep(s, input);
        for (const o of r.outputs) if (o.type === "rejected") this.errors.push(`broker ${id}: ${o.detail}`);
        this.brokers.set(id, r.state);
        const at = this.controllerImages.get(r.state.image.offset);
        if (at !== undefined) this.violations.push(...imagesAgree(r.state.image, at));
      }
    }
  }

  /** Registers a broker and commits; returns its epoch. */
  register(brokerId: number, incarnationId = `inc-${brokerId}`): number {
    const id = this.send({ type: "BrokerRegistration", brokerId, incarnationId });
    this.commit();
    const r = this.replies.get(id);
    if (r?.type !== "BrokerRegistration" || r.errorCode !== "NONE") throw new Error(`registration of ${brokerId} failed: ${JSON.stringify(r)}`);
    return r.brokerEpoch;
  }

  /** The committed registration epoch of a broker. */
  epochOf(brokerId: number): number {
    return this.active.committed.brokers.get(brokerId)?.brokerEpoch ?? -1;
  }

  /** Sends a heartbeat as broker `brokerId` reporting the offset it has replayed; commits; returns the reply. */
  heartbeat(brokerId: number, opts: { wantFence?: boolean; wantShutDown?: boolean; offset?: number } = {}): ControllerResponse | undefined {
    const id = this.send({
      type: "BrokerHeartbeat",
      brokerId,
      brokerEpoch: this.epochOf(brokerId),
      currentMetadataOffset: opts.offset ?? this.active.committed.offset,
      wantFence: opts.wantFence ?? false,
      wantShutDown: opts.wantShutDown ?? false,
    });
    this.commit();
    return this.replies.get(id);
  }

  /** Registers and unfences brokers 0..n-1 (with followers). */
  startBrokers(ids: readonly number[]): void {
    for (const b of ids) {
      this.addBroker(b);
      this.register(b);
    }
    for (const b of ids) this.heartbeat(b);
  }

  /** Creates a topic and commits; returns the reply. */
  createTopic(name: string, numPartitions: number, replicationFactor: number, configs?: Record<string, string>): ControllerResponse | undefined {
    const id = this.send({ type: "CreateTopics", topics: [{ name, numPartitions, replicationFactor, ...(configs ? { configs } : {}) }] });
    this.commit();
    return this.replies.get(id);
  }
}
