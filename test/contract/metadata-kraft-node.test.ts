// The quorum controller and the Kafka node under the one contract: Core bundles, timeout inputs, rejections
// instead of throws, clone and fingerprint.
import { describe, expect, it } from "vitest";
import { kraftNodeCore } from "../../src/core/kraft-node/index.js";
import type { KafkaNode, NodeInput } from "../../src/core/kraft-node/index.js";
import { metadataCore } from "../../src/core/metadata/index.js";
import type { ControllerInput, ControllerState } from "../../src/core/metadata/index.js";
import { Harness } from "../metadata/harness.js";

/** An active controller with three registered, unfenced brokers. */
function active(): ControllerState {
  const h = new Harness(1);
  h.elect(0);
  h.startBrokers([1, 2, 3]);
  return h.active;
}

describe("metadataCore", () => {
  it("a no-op timeout makes the active controller append a NoOp at once, without advancing its clock", () => {
    const s = active();
    const r = metadataCore.step(s, { type: "timeout", timer: "no-op" });
    expect(r.state.nowMs).toBe(s.nowMs);
    const appends = r.outputs.filter((o) => o.type === "append");
    expect(appends.flatMap((o) => (o.type === "append" ? o.records.map((x) => x.type) : []))).toEqual(["NoOp"]);
  });

  it("a broker-session timeout fences that broker", () => {
    const s = active();
    const r = metadataCore.step(s, { type: "timeout", timer: "broker-session", broker: 2 });
    const records = r.outputs.flatMap((o) => (o.type === "append" ? o.records : []));
    expect(records.length).toBeGreaterThan(0);
    expect(r.state.active!.speculative.broker(2)!.fenced).toBe(true);
    expect(r.state.active!.speculative.broker(1)!.fenced).toBe(false);
  });

  it("timeouts on an inactive controller, unknown timers and brokers, and non-objects are rejected, state untouched", () => {
    const idle = metadataCore.create({});
    const s = active();
    const cases: [ControllerState, ControllerInput][] = [
      [idle, { type: "timeout", timer: "no-op" }],
      [s, { type: "timeout", timer: "broker-session", broker: 99 }],
      [s, { type: "timeout", timer: "nap" } as unknown as ControllerInput],
      [s, null as unknown as ControllerInput],
    ];
    for (const [state, input] of cases) {
      const r = metadataCore.step(state, input);
      expect(r.state, JSON.stringify(input)).toBe(state);
      expect(r.outputs).toMatchObject([{ type: "rejected", reason: "INVALID_INPUT" }]);
    }
  });

  it("fingerprints: equal controllers equal, a clone equal, a protocol-relevant change different", () => {
    const a = active();
    const fp = metadataCore.fingerprint(a);
    expect(metadataCore.fingerprint(active())).toBe(fp);
    expect(metadataCore.fingerprint(metadataCore.clone(a))).toBe(fp);
    expect(metadataCore.fingerprint(metadataCore.step(a, { type: "timeout", timer: "no-op" }).state)).not.toBe(fp);
    expect(metadataCore.fingerprint({ ...a, epoch: a.epoch + 1 })).not.toBe(fp);
    expect(metadataCore.fingerprint({ ...a, committed: metadataCore.create({}).committed })).not.toBe(fp);
    expect(metadataCore.fingerprint(a)).toBe(fp);
  });
});

describe("kraftNodeCore", () => {
  const config = (id: number) => ({ id, role: "combined" as const, voters: [1, 2, 3], seed: id, tickMs: 50 });

  it("an election timeout makes a node's quorum replica start a pre-vote at once; a timer it does not run is rejected", () => {
    const n = kraftNodeCore.create(config(1));
    const r = kraftNodeCore.step(n, { type: "timeout", timer: "election" });
    expect(r.outputs.filter((o) => o.type === "send").length).toBe(2);
    expect(r.state.nowMs).toBe(n.nowMs);
    const bad = kraftNodeCore.step(n, { type: "timeout", timer: "check-quorum" });
    expect(bad.outputs).toMatchObject([{ type: "rejected", reason: "no-such-timer" }]);
  });

  it("fingerprints: equal nodes equal, distinct nodes differ, a clone equal, a step different, the original intact", () => {
    const a = kraftNodeCore.create(config(1));
    const fp = kraftNodeCore.fingerprint(a);
    expect(kraftNodeCore.fingerprint(kraftNodeCore.create(config(1)))).toBe(fp);
    expect(kraftNodeCore.fingerprint(kraftNodeCore.create(config(2)))).not.toBe(fp);
    const c: KafkaNode = kraftNodeCore.clone(a);
    expect(kraftNodeCore.fingerprint(c)).toBe(fp);
    const moved = kraftNodeCore.step(c, { type: "timeout", timer: "election" } satisfies NodeInput).state;
    expect(kraftNodeCore.fingerprint(moved)).not.toBe(fp);
    expect(kraftNodeCore.fingerprint(a)).toBe(fp);
  });
});

describe("kraftNodeCore: the leadership notice as an input", () => {
  /** A lone combined node whose quorum replica elected itself and made its LeaderChange record durable. */
  function elected(leadershipNotice: "after-each-step" | "on-input"): KafkaNode {
    let n = kraftNodeCore.create({ id: 1, role: "combined", voters: [1], seed: 1, tickMs: 50, leadershipNotice });
    for (let i = 0; i < 3; i++) {
      const r = kraftNodeCore.step(n, { type: "timeout", timer: "election" });
      n = r.state;
      for (const o of r.outputs) {
        if (o.type !== "persist" || o.write.entries === undefined || o.write.entries.length === 0) continue;
        const last = o.write.entries[o.write.entries.length - 1]!;
        n = kraftNodeCore.step(n, { type: "persisted", endOffset: last.offset + 1, epoch: last.epoch }).state;
      }
      if (n.quorum.role.kind === "leader") break;
    }
    return n;
  }

  it("after-each-step: the controller is active as soon as its quorum replica leads with a committed epoch start", () => {
    const n = elected("after-each-step");
    expect(n.quorum.role.kind).toBe("leader");
    expect(n.controller!.active).not.toBeNull();
  });

  it("on-input: the controller stays standby until a leadership-notice input", () => {
    const n = elected("on-input");
    expect(n.quorum.role.kind).toBe("leader");
    expect(n.controller!.active).toBeNull();
    const r = kraftNodeCore.step(n, { type: "leadership-notice" });
    expect(r.state.controller!.active).not.toBeNull();
  });

  it("a bad leadershipNotice is a typed config error", () => {
    expect(() => kraftNodeCore.create({ id: 1, role: "combined", voters: [1], seed: 1, leadershipNotice: "never" as never })).toThrow(/leadershipNotice/);
  });
});
