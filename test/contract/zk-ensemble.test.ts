// The replicated ZooKeeper replica under the one contract: no functions in state, rejections instead of
// throws (also for committed bytes no leader proposes), the timeout input, clone and fingerprint.
import { describe, expect, it } from "vitest";
import { fingerprintReplica, step, zkEnsembleCore } from "../../src/core/zk-ensemble/index.js";
import { fingerprintRaft } from "../../src/core/raft/index.js";
import type { ReplicaInput, ReplicaOutput, ReplicaState } from "../../src/core/zk-ensemble/index.js";
import { raftStep } from "../../src/core/zk-ensemble/replica.js";

/** Performs every persist at once (acknowledging the last entry written), as storage would. */
function settle(s: ReplicaState, outputs: readonly ReplicaOutput[]): { state: ReplicaState; all: ReplicaOutput[] } {
  const all = [...outputs];
  let pending = outputs;
  for (let k = 0; k < 20; k++) {
    const writes = pending.filter((o) => o.type === "persist");
    const last = writes.flatMap((w) => (w.type === "persist" ? (w.write.entries ?? []) : [])).at(-1);
    if (last === undefined) break;
    const r = zkEnsembleCore.step(s, { type: "persisted", index: last.index, term: last.term });
    s = r.state;
    all.push(...r.outputs);
    pending = r.outputs;
  }
  return { state: s, all };
}

/** A one-replica ensemble that elected itself with an explicit timeout, and a client session. */
function leader(): ReplicaState {
  let s = zkEnsembleCore.create({ id: 1, replicas: [1], seed: 3 });
  let r = zkEnsembleCore.step(s, { type: "timeout", timer: "election" });
  s = settle(r.state, r.outputs).state;
  r = zkEnsembleCore.step(s, { type: "connect", conn: 1, timeoutMs: 4000 });
  return settle(r.state, r.outputs).state;
}

describe("zkEnsembleCore", () => {
  it("an explicit election timeout elects a lone replica; it holds data only (structuredClone copies it)", () => {
    const s = leader();
    expect(s.raft.role).toBe("leader");
    expect(s.tree.sessions.size).toBe(1);
    expect(() => structuredClone(s)).not.toThrow();
    expect(s.inspect).toBeUndefined();
  });

  it("the inspector given to step sees each applied entry, and is gone from the state afterwards", () => {
    const seen: number[] = [];
    let s = leader();
    const r = zkEnsembleCore.step(s, { type: "request", conn: 1, xid: 1, request: { type: "create", opcode: 1, path: "/a", data: new Uint8Array(0), acl: [{ perms: 31, scheme: "world", id: "anyone" }], flags: 0, ttl: -1 } });
    s = r.state;
    const last = r.outputs.flatMap((o) => (o.type === "persist" ? (o.write.entries ?? []) : [])).at(-1)!;
    const done = step(s, { type: "persisted", index: last.index, term: last.term }, (_tree, index) => seen.push(index)).state;
    expect(seen).toEqual([last.index]);
    expect(done.inspect).toBeUndefined();
  });

  it("unknown and malformed inputs are rejected, the state unchanged", () => {
    const s = leader();
    const fp = zkEnsembleCore.fingerprint(s);
    for (const input of [{ type: "nap" }, null, { type: "timeout", timer: "nap" }] as unknown as ReplicaInput[]) {
      const r = zkEnsembleCore.step(s, input);
      expect(r.outputs.some((o) => o.type === "rejected"), JSON.stringify(input)).toBe(true);
      expect(zkEnsembleCore.fingerprint(r.state)).toBe(fp);
    }
  });

  it("a committed entry whose bytes no leader proposes is skipped with a rejection, not a throw", () => {
    let s = leader();
    const applied = s.applied;
    const outputs = raftStep(s, { type: "propose", data: new Uint8Array([0, 0, 0, 2, 123, 125]) });
    const last = outputs.flatMap((o) => (o.type === "persist" ? (o.entries ?? []) : [])).at(-1)!;
    const r = zkEnsembleCore.step(s, { type: "persisted", index: last.index, term: last.term });
    s = r.state;
    expect(r.outputs).toContainEqual(expect.objectContaining({ type: "rejected", reason: "malformed-entry" }));
    expect(r.outputs).toContainEqual(expect.objectContaining({ type: "applied", index: last.index, command: undefined }));
    expect(s.applied).toBe(applied + 1);
  });

  it("fingerprints: equal replicas equal, a clone equal and independent, a change different", () => {
    const a = leader();
    const b = leader();
    const fp = zkEnsembleCore.fingerprint(a);
    expect(zkEnsembleCore.fingerprint(b)).toBe(fp);
    const c = zkEnsembleCore.clone(a);
    expect(zkEnsembleCore.fingerprint(c)).toBe(fp);
    const moved = zkEnsembleCore.step(c, { type: "tick" }).state;
    expect(zkEnsembleCore.fingerprint(moved)).not.toBe(fp);
    const pinged = zkEnsembleCore.step(zkEnsembleCore.clone(a), { type: "disconnect", conn: 1 }).state;
    expect(zkEnsembleCore.fingerprint(pinged)).not.toBe(fp);
    expect(zkEnsembleCore.fingerprint(a)).toBe(fp);
    expect(a.conns.size).toBe(1);
  });

  it("{ timers: false } leaves out the tick count and the Raft node's timers, and nothing else (the explorer's)", () => {
    const a = leader();
    const fp = fingerprintReplica(a, { timers: false });
    expect(fingerprintReplica(a)).toBe(zkEnsembleCore.fingerprint(a));
    const ticked = { ...zkEnsembleCore.clone(a), ticks: a.ticks + 7 };
    expect(fingerprintReplica(ticked)).not.toBe(fingerprintReplica(a));
    expect(fingerprintReplica(ticked, { timers: false })).toBe(fp);
    // The Raft node hashed as its own timer-free fingerprint: a node differing only in its PRNG hashes alike.
    const reseeded = { ...zkEnsembleCore.clone(a), raft: { ...a.raft, rng: a.raft.rng + 1 } };
    expect(fingerprintRaft(reseeded.raft)).not.toBe(fingerprintRaft(a.raft));
    expect(fingerprintReplica(reseeded, { timers: false })).toBe(fp);
    // What the explorer must tell apart still counts.
    const disconnected = zkEnsembleCore.step(zkEnsembleCore.clone(a), { type: "disconnect", conn: 1 }).state;
    expect(fingerprintReplica(disconnected, { timers: false })).not.toBe(fp);
    expect(fingerprintReplica({ ...zkEnsembleCore.clone(a), applied: a.applied + 1 }, { timers: false })).not.toBe(fp);
  });
});
