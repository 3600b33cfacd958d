// The KRaft core under the one contract: the Core bundle, clone, fingerprint and the explicit timeout input.
import { describe, expect, it } from "vitest";
import { fingerprintKRaft, kraftCore, role, epoch } from "../../src/core/kraft/index.js";
import type { Input, KRaftConfig, KRaftState, Output } from "../../src/core/kraft/index.js";

const config = (id: number): KRaftConfig => ({ id, voters: [1, 2, 3], seed: id });
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Three voters; every message delivered and every write acknowledged at once, in a fixed order. */
function cluster(): KRaftState[] {
  const nodes = [1, 2, 3].map((id) => kraftCore.create(config(id)));
  const queue: { to: number; input: Input }[] = [{ to: 1, input: { type: "timeout", timer: "election" } }];
  let budget = 500;
  while (queue.length > 0 && budget-- > 0) {
    const { to, input } = queue.shift()!;
    const r = kraftCore.step(nodes[to - 1]!, input);
    nodes[to - 1] = r.state;
    for (const o of r.outputs) {
      if (o.type === "send") queue.push({ to: o.message.to, input: { type: "message", message: o.message } });
      if (o.type === "persist" && o.entries !== undefined && o.entries.length > 0) {
        const last = o.entries[o.entries.length - 1]!;
        queue.push({ to, input: { type: "persisted", endOffset: last.offset + 1, epoch: last.epoch } });
      }
    }
    // Followers fetch on their ticks: tick everyone once the network is quiet, a few times.
    if (queue.length === 0 && budget > 400) for (const id of [2, 3]) queue.push({ to: id, input: { type: "tick" } });
  }
  return nodes;
}

function run(s: KRaftState, inputs: readonly Input[]): { state: KRaftState; outputs: readonly Output[] } {
  let outputs: readonly Output[] = [];
  for (const i of inputs) {
    const r = kraftCore.step(s, i);
    s = r.state;
    outputs = r.outputs;
  }
  return { state: s, outputs };
}

describe("kraftCore: the Core bundle and the timeout input", () => {
  it("an explicit election timeout makes an unattached voter a prospective at once (pre-vote), without ticking", () => {
    const s = kraftCore.create(config(1));
    const r = kraftCore.step(s, { type: "timeout", timer: "election" });
    expect(kraftCore.name).toBe("kraft");
    expect(role(r.state)).toBe("prospective");
    expect(r.state.now).toBe(s.now); // no time passed
    expect(r.outputs.filter((o) => o.type === "send").map((o) => (o.type === "send" ? [o.message.to, o.message.type] : []))).toEqual([
      [2, "vote"],
      [3, "vote"],
    ]);
  });

  it("elects a leader from timeouts alone; its check-quorum timer makes it resign when nobody fetched", () => {
    const nodes = cluster();
    expect(nodes.map((n) => role(n))).toEqual(["leader", "follower", "follower"]);
    const r = kraftCore.step(nodes[0]!, { type: "timeout", timer: "check-quorum" });
    expect(role(r.state)).toBe("resigned");
  });

  it("a follower's fetch timeout starts a pre-vote", () => {
    const follower = cluster()[1]!;
    expect(role(kraftCore.step(follower, { type: "timeout", timer: "fetch" }).state)).toBe("prospective");
  });

  it("a timer the role does not run, and an unknown timer, are rejected with the state returned as it was", () => {
    const s = kraftCore.create(config(2));
    const a = kraftCore.step(s, { type: "timeout", timer: "check-quorum" });
    expect(a.outputs).toMatchObject([{ type: "rejected", reason: "no-such-timer" }]);
    const b = kraftCore.step(s, { type: "timeout", timer: "nap" } as unknown as Input);
    expect(b.outputs).toMatchObject([{ type: "rejected", reason: "invalid-input" }]);
    expect(kraftCore.fingerprint(a.state)).toBe(kraftCore.fingerprint(s));
    expect(kraftCore.fingerprint(b.state)).toBe(kraftCore.fingerprint(s));
  });
});

describe("kraftCore.fingerprint and clone", () => {
  it("equal states give equal fingerprints; distinct nodes differ", () => {
    const a = cluster();
    const b = cluster();
    for (let i = 0; i < 3; i++) expect(kraftCore.fingerprint(a[i]!)).toBe(kraftCore.fingerprint(b[i]!));
    expect(new Set(a.map((n) => kraftCore.fingerprint(n))).size).toBe(3);
  });

  it("a protocol-relevant change changes the fingerprint: epoch, role, a record's data, the high watermark", () => {
    const leader = cluster()[0]!;
    const fp = kraftCore.fingerprint(leader);
    const appended = kraftCore.step(leader, { type: "append", records: [enc("a")] }).state;
    const other = kraftCore.step(leader, { type: "append", records: [enc("b")] }).state;
    expect(kraftCore.fingerprint(appended)).not.toBe(fp);
    expect(kraftCore.fingerprint(appended)).not.toBe(kraftCore.fingerprint(other));
    expect(kraftCore.fingerprint({ ...leader, epoch: leader.epoch + 1 })).not.toBe(fp);
    expect(kraftCore.fingerprint({ ...leader, highWatermark: leader.highWatermark + 1 })).not.toBe(fp);
    expect(kraftCore.fingerprint(kraftCore.step(leader, { type: "resign" }).state)).not.toBe(fp);
  });

  it("the absolute clock does not count, timers relative to it do", () => {
    const s = kraftCore.create(config(1));
    const r = s.role;
    if (r.kind !== "unattached") throw new Error("expected unattached");
    const shifted: KRaftState = { ...s, now: s.now + 7, role: { ...r, electionDeadline: r.electionDeadline + 7, bootstrapFetchAt: r.bootstrapFetchAt + 7 } };
    expect(kraftCore.fingerprint(shifted)).toBe(kraftCore.fingerprint(s));
    expect(kraftCore.fingerprint({ ...s, now: s.now + 1 })).not.toBe(kraftCore.fingerprint(s)); // the deadline came closer
  });

  it("{ timers: false } leaves out deadlines, the PRNG and the retry count, and nothing else", () => {
    const s = kraftCore.create(config(1));
    const r = s.role;
    if (r.kind !== "unattached") throw new Error("expected unattached");
    const fp = fingerprintKRaft(s, { timers: false });
    const timers: KRaftState = { ...s, now: s.now + 1, rng: s.rng + 1, electionRetries: s.electionRetries + 1, role: { ...r, electionDeadline: r.electionDeadline + 5 } };
    expect(fingerprintKRaft(timers, { timers: false })).toBe(fp);
    expect(fingerprintKRaft(timers)).not.toBe(fingerprintKRaft(s)); // the default counts them
    expect(fingerprintKRaft({ ...s, epoch: s.epoch + 1 }, { timers: false })).not.toBe(fp);
    expect(fingerprintKRaft({ ...s, highWatermark: s.highWatermark + 1 }, { timers: false })).not.toBe(fp);
  });

  it("a clone has the same fingerprint and steps independently; the original keeps behaving the same", () => {
    const leader = cluster()[0]!;
    const fp = kraftCore.fingerprint(leader);
    const c = kraftCore.clone(leader);
    expect(kraftCore.fingerprint(c)).toBe(fp);
    const moved = run(c, [{ type: "append", records: [enc("x")] }, { type: "tick" }, { type: "timeout", timer: "check-quorum" }]).state;
    expect(kraftCore.fingerprint(moved)).not.toBe(fp);
    expect(kraftCore.fingerprint(leader)).toBe(fp);
    const x = run(leader, [{ type: "append", records: [enc("y")] }]);
    const y = run(kraftCore.clone(leader), [{ type: "append", records: [enc("y")] }]);
    expect(kraftCore.fingerprint(x.state)).toBe(kraftCore.fingerprint(y.state));
    expect(x.outputs).toEqual(y.outputs);
    expect(epoch(x.state)).toBe(epoch(leader));
  });
});
