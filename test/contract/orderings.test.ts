// Orderings the random campaigns rarely or never produce (issue 13), each path pinned by a test that fails when
// the path is broken: storage acknowledgements that arrive after a truncation, for entries since overwritten;
// a controller shown a committed batch of a later epoch before it learns it lost leadership.
import { describe, expect, it } from "vitest";
import { createRaft, type Message, type Output, type RaftState } from "../../src/core/raft/index.js";
import { step as controllerStep } from "../../src/core/metadata/index.js";
import { checkedStep as step, entriesOfTerms, sends } from "../raft/harness.js";
import { Harness } from "../metadata/harness.js";

const follower = (): RaftState => createRaft({ id: 2, voters: [1, 2, 3], electionTick: 10, heartbeatTick: 1, seed: 2 });
const deliver = (s: RaftState, m: Message): Output[] => step(s, { type: "message", message: m }).outputs;
const acks = (outputs: readonly Output[]) => sends(outputs).flatMap((m) => (m.type === "append-response" && !m.reject ? [m.index] : []));

describe("Raft: a storage acknowledgement for entries since overwritten", () => {
  it("is ignored: the overwriting entries are not durable until their own write is acknowledged", () => {
    const s = follower();
    // Leader 1 (term 5) sends entries 1–2; their write is in flight and a resend makes the acknowledgement wait.
    deliver(s, { type: "append", from: 1, to: 2, term: 5, prevIndex: 0, prevTerm: 0, entries: entriesOfTerms([5, 5]), commit: 0 });
    expect(s.log.stable).toBe(0);
    // Leader 3 (term 6) overwrites entry 2 (truncation and append in one write) before storage answers.
    const out = deliver(s, { type: "append", from: 3, to: 2, term: 6, prevIndex: 1, prevTerm: 5, entries: entriesOfTerms([6], 2), commit: 0 });
    expect(out[0]).toMatchObject({ type: "persist", truncateFrom: 2, entries: [{ index: 2, term: 6 }] });
    // The old write's acknowledgement (2, term 5) arrives: entry 2 is now term 6, so it says nothing about it.
    const stale = step(s, { type: "persisted", index: 2, term: 5 });
    expect(s.log.stable).toBe(0);
    expect(acks(stale.outputs)).toEqual([]);
    expect(stale.outputs.filter((o) => o.type === "apply")).toEqual([]);
    // The overwriting write's own acknowledgement makes index 2 durable.
    step(s, { type: "persisted", index: 2, term: 6 });
    expect(s.log.stable).toBe(2);
  });
});

describe("metadata controller: a committed batch of a later epoch before the lost-leadership notice", () => {
  it("with nothing pending, a batch of a later epoch at our next offset makes the controller renounce and follow it", () => {
    const h = new Harness(1);
    h.elect(0);
    h.startBrokers([1]);
    const a = h.active;
    const act = a.active!;
    expect(act.pending).toEqual([]);
    const r = controllerStep(a, { type: "commit", baseOffset: act.nextOffset, epoch: act.epoch + 1, records: [{ type: "NoOp" }] });
    expect(r.state.active).toBeNull(); // no longer active: another controller leads the later epoch
    expect(r.state.epoch).toBe(act.epoch + 1);
    expect(r.state.committed.offset).toBe(act.nextOffset); // the batch is replayed, not dropped
    expect(r.outputs.filter((o) => o.type === "append")).toEqual([]);
  });
});
