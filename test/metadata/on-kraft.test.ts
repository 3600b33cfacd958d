/**
 * The metadata controller on the KRaft quorum core: three combined controllers replicate the metadata log with
 * `src/core/kraft`, brokers follow it as KRaft observers. Each controller batch travels as one KRaft entry per
 * record (`frameBatch`) and is reassembled from committed entries (`assembleEntry`).
 */
import { describe, expect, it } from "vitest";
import { endOffset, epoch as kraftEpoch, epochStartOffset, highWatermark, role } from "../../src/core/kraft/index.js";
import {
  assembleEntry,
  brokerStep,
  checkImage,
  frameBatch,
  imagesAgree,
  initBroker,
  initController,
  leaderEpochsMonotonic,
  leaderOf,
  step,
} from "../../src/core/metadata/index.js";
import type {
  BatchAssembler,
  BrokerState,
  ControllerInput,
  ControllerRequest,
  ControllerResponse,
  ControllerState,
  MetadataImage,
  Violation,
} from "../../src/core/metadata/index.js";
import { Cluster } from "../kraft/cluster.js";

const VOTERS = [1, 2, 3];
const BROKERS = [101, 102, 103];

class MetadataOnKRaft {
  readonly c = new Cluster({ voters: VOTERS, observers: BROKERS, seed: 11 });
  readonly controllers = new Map<number, ControllerState>(VOTERS.map((id) => [id, initController({ nodeId: id, seed: id })]));
  readonly brokers = new Map<number, BrokerState>(BROKERS.map((id) => [id, initBroker(id)]));
  private readonly consumed = new Map<number, number>();
  private readonly assemblers = new Map<number, BatchAssembler | null>();
  readonly replies = new Map<number, ControllerResponse>();
  readonly violations: Violation[] = [];
  readonly errors: string[] = [];
  /** Controller images by offset (from whichever controller published first). */
  readonly images = new Map<number, MetadataImage>();
  private nextId = 1;

  private feed(id: number, input: ControllerInput): void {
    const r = step(this.controllers.get(id) as ControllerState, input);
    this.controllers.set(id, r.state);
    for (const o of r.outputs) {
      if (o.type === "reply") this.replies.set(o.id, o.response);
      else if (o.type === "rejected") this.errors.push(`controller ${id}: ${o.detail}`);
      else {
        const outs = this.c.input(id, { type: "append", records: frameBatch(o.records) });
        const appended = outs.find((x) => x.type === "appended");
        if (appended === undefined || appended.type !== "appended" || appended.baseOffset !== o.baseOffset) {
          // The quorum refused or placed the batch elsewhere: this controller is not the leader it thought.
          this.feed(id, { type: "lost-leadership", epoch: kraftEpoch(this.c.node(id)) });
        }
      }
    }
  }

  /** Hands newly committed entries to every node's state machine and syncs controller leadership. */
  pump(): void {
    for (const id of [...VOTERS, ...BROKERS]) {
      if (this.c.down.has(id)) continue;
      const delivered = this.c.delivered.get(id) ?? [];
      for (let i = this.consumed.get(id) ?? 0; i < delivered.length; i++) {
        const e = delivered[i]!;
        this.consumed.set(id, i + 1);
        if (e.kind !== "data") continue;
        const r = assembleEntry(this.assemblers.get(id) ?? null, e.offset, e.epoch, e.data);
        this.assemblers.set(id, r.state);
        if (r.batch === null) continue;
        const input: ControllerInput = { type: "commit", baseOffset: r.batch.baseOffset, epoch: r.batch.epoch, records: r.batch.records };
        if (this.controllers.has(id)) {
          const before = this.controllers.get(id)!.committed;
          this.feed(id, input);
          const img = this.controllers.get(id)!.committed;
          this.violations.push(...checkImage(img), ...leaderEpochsMonotonic(before, img));
          const seen = this.images.get(img.offset);
          if (seen === undefined) this.images.set(img.offset, img);
          else this.violations.push(...imagesAgree(img, seen));
        } else {
          const b = brokerStep(this.brokers.get(id)!, input);
          for (const o of b.outputs) if (o.type === "rejected") this.errors.push(`broker ${id}: ${o.detail}`);
          this.brokers.set(id, b.state);
          const seen = this.images.get(b.state.image.offset);
          if (seen !== undefined) this.violations.push(...imagesAgree(b.state.image, seen));
        }
      }
    }
    for (const id of VOTERS) {
      if (this.c.down.has(id)) continue;
      const node = this.c.node(id);
      const ctl = this.controllers.get(id)!;
      const leads = role(node) === "leader";
      const ep = kraftEpoch(node);
      if (ctl.active !== null && (!leads || ctl.active.epoch !== ep)) this.feed(id, { type: "lost-leadership", epoch: ep });
      // Claim once the epoch's LeaderChange record committed and everything before it was replayed (as KRaft's listener does).
      const caughtUp = (this.consumed.get(id) ?? 0) === (this.c.delivered.get(id) ?? []).length;
      if (leads && this.controllers.get(id)!.active === null && highWatermark(node) > epochStartOffset(node) && caughtUp && ep >= this.controllers.get(id)!.epoch) {
        this.feed(id, { type: "became-leader", epoch: ep, nextOffset: endOffset(node) });
      }
    }
  }

  /** One 50 ms round: KRaft ticks and message delivery, then the metadata layer. */
  round(n = 1): void {
    for (let i = 0; i < n; i++) {
      this.c.run(1);
      this.pump();
      for (const id of VOTERS) if (!this.c.down.has(id)) this.feed(id, { type: "tick" });
      this.c.deliverAll();
      this.pump();
    }
  }

  active(): number {
    const ids = VOTERS.filter((id) => !this.c.down.has(id) && this.controllers.get(id)!.active !== null);
    if (ids.length !== 1) throw new Error(`expected one active controller, found [${ids.join(",")}]`);
    return ids[0]!;
  }

  /** Sends a request to the active controller and runs until its reply arrives. */
  call(request: ControllerRequest): ControllerResponse {
    const id = this.nextId++;
    this.feed(this.active(), { type: "request", id, request });
    for (let i = 0; i < 200 && !this.replies.has(id); i++) this.round();
    const r = this.replies.get(id);
    if (r === undefined) throw new Error(`no reply to ${request.type}`);
    return r;
  }

  /** Every live broker in `alive` heartbeats with the offset its own image has reached. */
  heartbeats(alive: readonly number[]): void {
    const ctl = this.controllers.get(this.active())!;
    for (const b of alive) {
      const reg = (ctl.active?.speculative ?? ctl.committed).broker(b);
      if (reg === undefined) continue;
      const id = this.nextId++;
      this.feed(this.active(), {
        type: "request",
        id,
        request: { type: "BrokerHeartbeat", brokerId: b, brokerEpoch: reg.brokerEpoch, currentMetadataOffset: this.brokers.get(b)!.image.offset, wantFence: false, wantShutDown: false },
      });
    }
  }
}

describe("metadata controller on the KRaft quorum", () => {
  it("brokers register and are unfenced, a dead broker is fenced and its partitions move, and a controller failover keeps the image", () => {
    const m = new MetadataOnKRaft();
    m.c.electLeader();
    for (let i = 0; i < 100 && VOTERS.every((id) => m.controllers.get(id)!.active === null); i++) m.round();
    const first = m.active();
    for (const b of BROKERS) expect(m.call({ type: "BrokerRegistration", brokerId: b, incarnationId: `inc-${b}` })).toMatchObject({ errorCode: "NONE" });
    for (let i = 0; i < 40; i++) {
      if (i % 10 === 0) m.heartbeats(BROKERS);
      m.round();
    }
    const img = m.controllers.get(first)!.committed;
    for (const b of BROKERS) expect(img.broker(b)?.fenced).toBe(false);
    const created = m.call({ type: "CreateTopics", topics: [{ name: "orders", numPartitions: 6, replicationFactor: 2 }] });
    expect(created).toMatchObject({ errorCode: "NONE", topics: [{ errorCode: "NONE" }] });
    m.round(10);
    const victim = leaderOf(m.brokers.get(101)!.image, "orders", 0).leader;
    expect(BROKERS).toContain(victim);

    // The victim stops heartbeating: fenced after the session timeout, partitions move, brokers see it.
    const alive = BROKERS.filter((b) => b !== victim);
    for (let i = 0; i < 220; i++) {
      if (i % 40 === 0) m.heartbeats(alive);
      m.round();
    }
    const ctl = m.controllers.get(m.active())!;
    expect(ctl.committed.broker(victim)?.fenced).toBe(true);
    for (const b of alive) {
      const l = leaderOf(m.brokers.get(b)!.image, "orders", 0);
      expect(l.errorCode).toBe("NONE");
      expect(l.leader).not.toBe(victim);
    }

    // The active controller crashes: another voter wins the KRaft election and takes over with the image in memory.
    m.c.crash(first);
    for (let i = 0; i < 200 && VOTERS.every((id) => id === first || m.controllers.get(id)!.active === null); i++) {
      if (i % 40 === 0) {
        try {
          m.heartbeats(alive);
        } catch {
          // no active controller at this moment
        }
      }
      m.round();
    }
    const second = m.active();
    expect(second).not.toBe(first);
    expect(m.controllers.get(second)!.committed.topicByName("orders")?.partitions.count).toBe(6);
    expect(m.call({ type: "CreateTopics", topics: [{ name: "after", numPartitions: 2, replicationFactor: 2 }] })).toMatchObject({ topics: [{ errorCode: "NONE" }] });
    // Brokers (KRaft observers) find the new leader and catch up.
    for (let i = 0; i < 400 && alive.some((b) => leaderOf(m.brokers.get(b)!.image, "after", 1).errorCode !== "NONE"); i++) m.round();
    for (const b of alive) expect(leaderOf(m.brokers.get(b)!.image, "after", 1).errorCode).toBe("NONE");
    expect(m.errors).toEqual([]);
    expect(m.violations).toEqual([]);
  });
});
