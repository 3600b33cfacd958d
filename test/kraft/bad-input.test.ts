// Bad input: malformed or misrouted messages, unknown voters, stale epochs, bad offsets, bad configs and
// corrupt persisted state. Each gets a typed rejection (or typed exception) and leaves the state intact.
import { describe, expect, it } from "vitest";
import { KRaftConfigError, createKRaft, epoch, highWatermark, endOffset, role, step, validateMessage } from "../../src/core/kraft/index.js";
import type { Input, KRaftState, Message, RejectionCode } from "../../src/core/kraft/index.js";
import { feed, logOf, msg, node, of, qs, sent, ticks } from "./helpers.js";

/** Observable summary that must not change when an input is refused. */
const summary = (s: KRaftState) => JSON.stringify({ role: s.role, epoch: epoch(s), hw: highWatermark(s), end: endOffset(s), q: s.quorumState, v: s.voterHistory, d: s.durableEnd });

function refused(s: KRaftState, input: Input, code: RejectionCode) {
  const r = step(s, input);
  expect(of(r.outputs, "rejected").map((o) => o.reason)).toContain(code);
  expect(summary(r.state)).toBe(summary(s));
  return r;
}

function leader(): KRaftState {
  let s = node(1, [1, 2, 3], { quorumState: { epoch: 4, leaderId: -1, votedId: 1, votedDirectoryId: "dir-1" }, entries: logOf([1, 2]) });
  s = msg(s, { type: "vote-response", from: 2, to: 1, error: "none", epoch: 4, leaderId: -1, preVote: false, granted: true }).state;
  return feed(s, { type: "persisted", endOffset: 3, epoch: 4 }).state;
}

describe("malformed and misrouted messages", () => {
  const s = node(1, [1, 2, 3]);
  const bad: unknown[] = [
    null,
    { type: "vote", from: -1, to: 1 },
    { type: "vote", from: 2, to: 1, epoch: 1.5, preVote: false, candidateDirectoryId: "", voterDirectoryId: "", lastEpoch: 0, lastEndOffset: 0 },
    { type: "fetch", from: 2, to: 1, epoch: 1, replicaDirectoryId: "d", fetchOffset: -3, lastFetchedEpoch: 0 },
    { type: "fetch", from: 2, to: 1, epoch: 1, replicaDirectoryId: "d", fetchOffset: 0, lastFetchedEpoch: 0, highWatermark: -7 },
    { type: "fetch-response", from: 2, to: 1, epoch: 1, leaderId: 2, highWatermark: 0, fetchOffset: 0, lastFetchedEpoch: 0, records: "nope", error: "none" },
    { type: "fetch-snapshot-response", from: 2, to: 1, epoch: 1, leaderId: 2, snapshotId: { endOffset: 1, epoch: 1 }, position: 0, size: 1, bytes: [1], voters: [], error: "none" },
    { type: "end-quorum-epoch", from: 2, to: 1, epoch: 1, leaderId: 2, preferredSuccessors: [{ id: "x" }] },
    { type: "begin-quorum-epoch", from: 2, to: 1, epoch: "1", leaderId: 2, voterDirectoryId: "" },
    { type: "vote-response", from: 2, to: 1, epoch: 1, leaderId: 2, preVote: false, granted: "yes", error: "none" },
    { type: "begin-quorum-epoch-response", from: 2, to: 1, epoch: 1, leaderId: "2", error: "none" },
    { type: "fetch-snapshot", from: 2, to: 1, epoch: 1, replicaDirectoryId: "d", snapshotId: null, position: 0 },
    { type: "add-raft-voter", from: 2, to: 1, voter: { id: 4 } },
    { type: "describe-quorum-response", from: 2, to: 1 },
    { type: "teleport", from: 2, to: 1 },
  ];
  it.each(bad.map((m, i) => [i, m]))("message #%i is refused as invalid-message", (_i, m) => {
    refused(s, { type: "message", message: m as Message }, "invalid-message");
  });

  it("validateMessage accepts well-formed messages", () => {
    expect(validateMessage({ type: "describe-quorum", from: 9, to: 1 })).toBeNull();
    expect(validateMessage({ type: "fetch", from: 2, to: 1, epoch: 1, replicaDirectoryId: "d", fetchOffset: 0, lastFetchedEpoch: 1, highWatermark: -1 })).toBeNull();
  });

  it("a message for another node, or from ourselves, is refused", () => {
    refused(s, { type: "message", message: { type: "describe-quorum", from: 9, to: 2 } }, "misrouted");
    refused(s, { type: "message", message: { type: "describe-quorum", from: 1, to: 1 } }, "invalid-message");
  });

  it("unknown inputs are refused", () => {
    refused(s, { type: "warp" } as unknown as Input, "invalid-input");
    const r = step(s, null as unknown as Input);
    expect(of(r.outputs, "rejected")[0]!.reason).toBe("invalid-input");
    expect(r.state).toBe(s);
  });
});

describe("unknown voters and stale epochs", () => {
  it("a vote from a replica outside the voter set is refused", () => {
    const r = refused(node(2, [1, 2, 3]), { type: "message", message: { type: "vote", from: 7, to: 2, epoch: 0, preVote: true, candidateDirectoryId: "dir-7", voterDirectoryId: "", lastEpoch: 0, lastEndOffset: 0 } }, "unknown-voter");
    expect(sent(r.outputs, "vote-response")[0]).toMatchObject({ granted: false });
  });

  it("a vote naming the wrong voter directory is refused with invalid-voter-key", () => {
    const r = refused(node(2, [1, 2, 3]), { type: "message", message: { type: "vote", from: 1, to: 2, epoch: 1, preVote: false, candidateDirectoryId: "dir-1", voterDirectoryId: "other", lastEpoch: 0, lastEndOffset: 0 } }, "invalid-message");
    expect(sent(r.outputs, "vote-response")[0]).toMatchObject({ error: "invalid-voter-key", granted: false });
  });

  it("a vote whose last epoch exceeds its epoch is refused", () => {
    refused(node(2, [1, 2, 3]), { type: "message", message: { type: "vote", from: 1, to: 2, epoch: 1, preVote: false, candidateDirectoryId: "dir-1", voterDirectoryId: "", lastEpoch: 3, lastEndOffset: 0 } }, "invalid-message");
  });

  it("stale-epoch Vote, BeginQuorumEpoch, EndQuorumEpoch and Fetch get fenced-leader-epoch", () => {
    const l = leader();
    const stale: Message[] = [
      { type: "vote", from: 2, to: 1, epoch: 3, preVote: false, candidateDirectoryId: "dir-2", voterDirectoryId: "", lastEpoch: 2, lastEndOffset: 9 },
      { type: "begin-quorum-epoch", from: 2, to: 1, epoch: 3, leaderId: 2, voterDirectoryId: "" },
      { type: "end-quorum-epoch", from: 2, to: 1, epoch: 3, leaderId: 2, preferredSuccessors: [] },
      { type: "fetch", from: 2, to: 1, epoch: 3, replicaDirectoryId: "dir-2", fetchOffset: 0, lastFetchedEpoch: 0 },
    ];
    for (const m of stale) {
      const r = refused(l, { type: "message", message: m }, "stale-epoch");
      expect(sent(r.outputs)[0]).toMatchObject({ error: "fenced-leader-epoch", epoch: 4 });
    }
  });

  it("a Fetch to a non-leader is answered with the leader it knows", () => {
    const f = node(2, [1, 2, 3], { quorumState: qs(4, 1), entries: [] });
    const r = msg(f, { type: "fetch", from: 5, to: 2, epoch: 4, replicaDirectoryId: "dir-5", fetchOffset: 0, lastFetchedEpoch: 0 });
    expect(sent(r.outputs)[0]).toMatchObject({ error: "not-leader-or-follower", leaderId: 1, epoch: 4 });
    const ahead = msg(f, { type: "fetch", from: 5, to: 2, epoch: 9, replicaDirectoryId: "dir-5", fetchOffset: 0, lastFetchedEpoch: 0 });
    expect(sent(ahead.outputs)[0]).toMatchObject({ error: "unknown-leader-epoch" });
    const snap = msg(f, { type: "fetch-snapshot", from: 5, to: 2, epoch: 4, replicaDirectoryId: "dir-5", snapshotId: { endOffset: 1, epoch: 1 }, position: 0 });
    expect(sent(snap.outputs)[0]).toMatchObject({ type: "fetch-snapshot-response", error: "not-leader-or-follower" });
  });

  it("a BeginQuorumEpoch whose leader is not its sender, or for another directory, is refused", () => {
    const v = node(2, [1, 2, 3]);
    refused(v, { type: "message", message: { type: "begin-quorum-epoch", from: 1, to: 2, epoch: 3, leaderId: 3, voterDirectoryId: "" } }, "invalid-message");
    refused(v, { type: "message", message: { type: "begin-quorum-epoch", from: 1, to: 2, epoch: 3, leaderId: 1, voterDirectoryId: "elsewhere" } }, "invalid-message");
    refused(v, { type: "message", message: { type: "end-quorum-epoch", from: 1, to: 2, epoch: 3, leaderId: 3, preferredSuccessors: [] } }, "invalid-message");
  });

  it("a second leader claiming our epoch is refused with a typed rejection, the state untouched", () => {
    const l = leader();
    const r = step(l, { type: "message", message: { type: "begin-quorum-epoch", from: 2, to: 1, epoch: 4, leaderId: 2, voterDirectoryId: "" } });
    expect(r.state).toBe(l);
    expect(r.outputs).toHaveLength(1);
    expect(r.outputs[0]).toMatchObject({ type: "rejected", reason: "two-leaders-in-epoch" });
    expect((r.outputs[0] as { detail: string }).detail).toMatch(/claims it too/);
  });
});

describe("bad offsets and inputs", () => {
  it("append on a non-leader or with bad records is refused", () => {
    refused(node(1, [1, 2, 3]), { type: "append", records: [new Uint8Array(1)] }, "not-leader");
    refused(leader(), { type: "append", records: [] }, "invalid-input");
    refused(leader(), { type: "append", records: ["x" as unknown as Uint8Array] }, "invalid-input");
  });

  it("persisted beyond the log end, or applied beyond what was delivered, is refused", () => {
    refused(leader(), { type: "persisted", endOffset: 99, epoch: 4 }, "bad-offset");
    refused(leader(), { type: "persisted", endOffset: -1, epoch: 4 }, "bad-offset");
    refused(leader(), { type: "applied", offset: 99 }, "bad-offset");
  });

  it("a stale durability acknowledgement (epoch mismatch after truncation) is ignored", () => {
    const l = feed(leader(), { type: "append", records: [new Uint8Array([1])] }).state;
    expect(l.durableEnd).toBe(3);
    const r = feed(l, { type: "persisted", endOffset: 4, epoch: 2 });
    expect(r.state.durableEnd).toBe(3);
    expect(feed(l, { type: "persisted", endOffset: 4, epoch: 4 }).state.durableEnd).toBe(4);
  });

  it("records in a Fetch response that do not continue the log are refused", () => {
    const f = ticks(node(2, [1, 2, 3], { quorumState: qs(4, 1), entries: logOf([1]) }), 1).state;
    const gap = msg(f, { type: "fetch-response", from: 1, to: 2, error: "none", epoch: 4, leaderId: 1, highWatermark: 1, fetchOffset: 1, lastFetchedEpoch: 1, records: logOf([4], 5) });
    expect(of(gap.outputs, "rejected")[0]!.reason).toBe("invalid-message");
    expect(endOffset(gap.state)).toBe(1);
    const future = msg(f, { type: "fetch-response", from: 1, to: 2, error: "none", epoch: 4, leaderId: 1, highWatermark: 1, fetchOffset: 1, lastFetchedEpoch: 1, records: logOf([9], 1) });
    expect(of(future.outputs, "rejected")[0]!.reason).toBe("invalid-message");
    const badVoters = msg(f, { type: "fetch-response", from: 1, to: 2, error: "none", epoch: 4, leaderId: 1, highWatermark: 1, fetchOffset: 1, lastFetchedEpoch: 1, records: [{ offset: 1, epoch: 4, kind: "voters", voters: [] }] });
    expect(of(badVoters.outputs, "rejected")[0]!.reason).toBe("invalid-message");
  });
});

describe("configuration and persisted state", () => {
  const bad: [string, object][] = [
    ["no voters", { id: 1, voters: [], seed: 1 }],
    ["duplicate voter", { id: 1, voters: [1, 1], seed: 1 }],
    ["negative id", { id: -1, voters: [1], seed: 1 }],
    ["bad voter", { id: 1, voters: [{ id: 1 }], seed: 1 }],
    ["fractional seed", { id: 1, voters: [1], seed: 0.5 }],
    ["zero tick", { id: 1, voters: [1], seed: 1, tickMs: 0 }],
    ["election below a tick", { id: 1, voters: [1], seed: 1, tickMs: 100, electionTimeoutMs: 50 }],
    ["fetch timeout below two ticks", { id: 1, voters: [1], seed: 1, tickMs: 100, fetchTimeoutMs: 150 }],
    ["empty directory", { id: 1, voters: [1], seed: 1, directoryId: "" }],
  ];
  it.each(bad)("refuses a config with %s", (_name, cfg) => {
    expect(() => createKRaft(cfg as never)).toThrow(KRaftConfigError);
  });

  it("converts Kafka's default timeouts to ticks", () => {
    const s = createKRaft({ id: 1, voters: [1, 2, 3], seed: 1 });
    expect([s.config.electionTimeoutTicks, s.config.fetchTimeoutTicks, s.config.checkQuorumTicks, s.config.beginQuorumEpochTicks, s.config.fetchMaxWaitTicks]).toEqual([20, 40, 60, 20, 10]);
    expect(createKRaft({ id: 1, voters: [1], seed: 1, tickMs: 10 }).config.checkQuorumTicks).toBe(300);
  });

  const q = qs(3);
  const corrupt: [string, object][] = [
    ["a gap in offsets", { quorumState: q, entries: [logOf([1])[0], logOf([1], 2)[0]] }],
    ["decreasing epochs", { quorumState: q, entries: logOf([2, 1]) }],
    ["an entry epoch above the quorum epoch", { quorumState: q, entries: logOf([5]) }],
    ["a bad quorum state", { quorumState: { epoch: -1, leaderId: -1, votedId: -1, votedDirectoryId: "" }, entries: [] }],
    ["a bad leader id", { quorumState: { epoch: 1, leaderId: "x", votedId: -1, votedDirectoryId: "" }, entries: [] }],
    ["a bad voted id", { quorumState: { epoch: 1, leaderId: -1, votedId: 1.5, votedDirectoryId: "" }, entries: [] }],
    ["a bad voted directory", { quorumState: { epoch: 1, leaderId: -1, votedId: -1, votedDirectoryId: 3 }, entries: [] }],
    ["a bad snapshot", { quorumState: q, snapshot: { id: { endOffset: -1, epoch: 0 }, voters: [], data: new Uint8Array() }, entries: [] }],
    ["a snapshot without voters", { quorumState: q, snapshot: { id: { endOffset: 1, epoch: 1 }, voters: [], data: new Uint8Array() }, entries: [] }],
    ["entries that are not an array", { quorumState: q, entries: null }],
    ["an unknown record kind", { quorumState: q, entries: [{ offset: 0, epoch: 1, kind: "weird" }] }],
  ];
  it.each(corrupt)("refuses persisted state with %s", (_name, p) => {
    let thrown: unknown;
    try {
      createKRaft({ id: 1, voters: [1, 2, 3], seed: 1 }, p as never);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(KRaftConfigError);
    expect((thrown as KRaftConfigError).code).toBe("invalid-persisted-state");
  });

  it("full replica keys and an explicit directory id are accepted", () => {
    const s = createKRaft({ id: 1, directoryId: "uuid-a", voters: [{ id: 1, directoryId: "uuid-a" }, { id: 2, directoryId: "uuid-b" }], seed: 1 });
    expect(role(s)).toBe("unattached");
    expect(s.config.directoryId).toBe("uuid-a");
  });
});
