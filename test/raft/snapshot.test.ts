/** §7 Log compaction: user snapshots, snapshots sent in chunks to far-behind followers, restart from them. */
import { describe, expect, it } from "vitest";
import { createRaft, type Message, type Snapshot } from "../../src/core/raft/index.js";
import { Cluster, rejections, sends, checkedStep as step } from "./harness.js";

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37) & 0xff);

function compact(c: Cluster, id: number, data = bytes(10)): void {
  const s = c.node(id);
  c.step(id, { type: "applied", index: s.log.applying });
  c.step(id, { type: "snapshot", index: s.log.applying, data });
}

describe("log compaction", () => {
  it("the application snapshots at an applied index; the log drops the entries up to it", () => {
    const c = new Cluster([1]);
    c.campaign(1);
    for (let i = 0; i < 5; i++) c.propose(1, `v${i}`);
    c.step(1, { type: "applied", index: 4 });
    const out = c.step(1, { type: "snapshot", index: 4, data: bytes(3) });
    expect(out).toMatchObject([{ type: "persist", snapshot: { index: 4, term: 1 } }]);
    const s = c.node(1);
    expect(s.log.offset).toBe(4);
    expect(s.log.entries.map((e) => e.index)).toEqual([5, 6]);
    expect(c.storage.get(1)!.entries.map((e) => e.index)).toEqual([5, 6]);
  });

  it("refuses a snapshot above the applied index or not above the previous snapshot", () => {
    const c = new Cluster([1]);
    c.campaign(1);
    c.propose(1, "a");
    expect(rejections(c.step(1, { type: "snapshot", index: 2, data: bytes(1) }))).toEqual(["index-out-of-range"]);
    c.step(1, { type: "applied", index: 2 });
    c.step(1, { type: "snapshot", index: 2, data: bytes(1) });
    expect(rejections(c.step(1, { type: "snapshot", index: 2, data: bytes(1) }))).toEqual(["index-out-of-range"]);
    expect(rejections(c.step(1, { type: "snapshot", index: 1.5, data: bytes(1) }))).toEqual(["malformed-input"]);
    expect(rejections(c.step(1, { type: "applied", index: 99 }))).toEqual(["index-out-of-range"]);
  });
});

describe("installing snapshots on far-behind followers", () => {
  it("a follower missing compacted entries receives the snapshot in chunks, then the rest of the log", () => {
    const c = new Cluster([1, 2, 3], { maxSizePerMsg: 16 });
    c.campaign(1);
    c.isolate(3);
    for (let i = 0; i < 8; i++) c.propose(1, `v${i}`);
    const data = bytes(100);
    compact(c, 1, data);
    c.propose(1, "after");
    c.heal();
    c.tickAll(20);
    const chunks = c.outputs.get(1)!.filter((o) => o.type === "send" && o.message.type === "snapshot");
    expect(chunks.length).toBe(7); // ceil(100 / 16)
    const installed = c.snapshotsApplied.get(3)!;
    expect(installed).toHaveLength(1);
    expect(installed[0]!.data).toEqual(data);
    expect(installed[0]!.index).toBe(9);
    expect(c.appliedData(3)).toEqual(["after"]);
    expect(c.node(3).log.committed).toBe(c.node(1).log.committed);
    expect(c.storage.get(3)!.snapshot?.index).toBe(9);
    const applies = c.outputs.get(3)!.filter((o) => o.type === "apply" && o.snapshot !== undefined);
    expect(applies).toMatchObject([{ entries: [] }]);
    // The follower's membership and (fresh) history come from the snapshot.
    expect(c.node(3).configHistory).toEqual([]);
    expect(c.node(3).tracker.progress.get(1)!.next).toBe(10);
  });

  it("a chunk of a different snapshot (index or term) than the one being received restarts nothing", () => {
    const s = createRaft({ id: 2, voters: [1, 2], electionTick: 10, heartbeatTick: 1, seed: 2 });
    const config = { voters: [1, 2], votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false };
    const chunk = (index: number, term: number, offset: number): Message => ({ type: "snapshot", from: 1, to: 2, term: 3, snapshot: { index, term, config }, size: 20, offset, data: bytes(10), done: false });
    step(s, { type: "message", message: chunk(5, 2, 0) });
    for (const [index, term] of [
      [6, 2],
      [5, 1],
    ] as const) {
      const out = step(s, { type: "message", message: chunk(index, term, 10) }).outputs;
      expect(out).toContainEqual(expect.objectContaining({ message: expect.objectContaining({ type: "snapshot-response", index, received: index === 5 ? 10 : 0 }) }));
      expect(s.incoming!.received).toBe(10);
    }
  });

  it("the leader ignores chunk acknowledgements for another snapshot or when not sending one", () => {
    const c = new Cluster([1, 2, 3], { maxSizePerMsg: 4 });
    c.campaign(1);
    c.isolate(3);
    c.propose(1, ["a", "b"]);
    compact(c, 1, bytes(20));
    c.heal();
    c.drop = (m) => m.type === "snapshot";
    c.tickAll(1);
    const pr = c.node(1).tracker.progress.get(3)!;
    expect(pr.state).toBe("snapshot");
    const wrong = c.step(1, { type: "message", message: { type: "snapshot-response", from: 3, to: 1, term: 1, index: 2, received: 8 } });
    expect(sends(wrong)).toEqual([]);
    expect(pr.snapshotOffset).toBe(0);
    const notSending = c.step(1, { type: "message", message: { type: "snapshot-response", from: 2, to: 1, term: 1, index: 3, received: 8 } });
    expect(sends(notSending)).toEqual([]);
  });

  it("a lost chunk is resent (from what the follower holds) after the next heartbeat response", () => {
    const c = new Cluster([1, 2, 3], { maxSizePerMsg: 10 });
    c.campaign(1);
    c.isolate(3);
    for (let i = 0; i < 3; i++) c.propose(1, `v${i}`);
    compact(c, 1, bytes(35));
    let dropped = 0;
    c.drop = (m) => m.type === "snapshot" && m.offset === 20 && dropped++ === 0;
    c.tickAll(10);
    expect(dropped).toBeGreaterThan(0);
    expect(c.snapshotsApplied.get(3)![0]!.data).toEqual(bytes(35));
  });

  it("out-of-order chunks are answered with what the follower holds", () => {
    const s = createRaft({ id: 2, voters: [1, 2], electionTick: 10, heartbeatTick: 1, seed: 2 });
    const meta = { index: 5, term: 1, config: { voters: [1, 2], votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false } };
    const chunk = (offset: number, n: number, done: boolean): Message => ({ type: "snapshot", from: 1, to: 2, term: 1, snapshot: meta, size: 20, offset, data: bytes(n), done });
    let out = step(s, { type: "message", message: chunk(10, 10, true) }).outputs;
    expect(out).toContainEqual(expect.objectContaining({ message: expect.objectContaining({ type: "snapshot-response", received: 0 }) }));
    out = step(s, { type: "message", message: chunk(0, 10, false) }).outputs;
    expect(out).toContainEqual(expect.objectContaining({ message: expect.objectContaining({ type: "snapshot-response", received: 10 }) }));
    out = step(s, { type: "message", message: chunk(0, 10, false) }).outputs; // restart from 0 is allowed
    out = step(s, { type: "message", message: chunk(10, 10, true) }).outputs;
    expect(out).toContainEqual(expect.objectContaining({ type: "apply", snapshot: expect.objectContaining({ index: 5 }) }));
    expect(s.log.committed).toBe(5);
  });

  it("a snapshot the follower's log already covers only advances its commit index", () => {
    const c = new Cluster([1, 2]);
    c.campaign(1);
    c.propose(1, ["a", "b"]);
    const s = c.node(2);
    s.log.committed = 1; // as if it had not heard the latest commit yet
    s.log.applying = 1;
    s.log.applied = 1;
    const meta = { index: 3, term: 1, config: s.tracker.config };
    c.step(2, { type: "message", message: { type: "snapshot", from: 1, to: 2, term: 1, snapshot: meta, size: 1, offset: 0, data: bytes(1), done: true } });
    expect(s.log.offset).toBe(0);
    expect(s.log.committed).toBe(3);
    const stale = { index: 1, term: 1, config: s.tracker.config };
    const out = c.step(2, { type: "message", message: { type: "snapshot", from: 1, to: 2, term: 1, snapshot: stale, size: 1, offset: 0, data: bytes(1), done: true } });
    expect(out).toContainEqual(expect.objectContaining({ message: expect.objectContaining({ type: "append-response", index: 3 }) }));
  });
});

describe("restart from snapshot plus log", () => {
  it("a node restarts with its snapshot, the entries after it, and its hard state; unpersisted entries are gone", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    for (let i = 0; i < 6; i++) c.propose(1, `v${i}`);
    compact(c, 2);
    c.propose(1, "tail");
    c.restart(2);
    const s = c.node(2);
    expect(s.log.offset).toBe(7);
    expect(s.term).toBe(1);
    expect(s.log.entries.map((e) => e.index)).toEqual([8]);
    expect(s.log.committed).toBe(8);
    // Committed entries after the snapshot are handed out again on the first step.
    c.tickAll(1);
    expect(c.appliedData(2)).toEqual(["tail"]);
    c.propose(1, "more");
    expect(c.appliedData(2)).toEqual(["tail", "more"]);
  });

  it("a restarted node re-applies committed entries above config.applied only", () => {
    const c = new Cluster([1]);
    c.campaign(1);
    c.propose(1, ["a", "b", "c"]);
    c.restart(1, { applied: 2 });
    c.tick(1);
    expect(c.appliedData(1)).toEqual(["b", "c"]);
  });

  it("entries the driver never acknowledged as persisted are lost on restart; acknowledged ones survive", () => {
    const c = new Cluster([1]);
    c.campaign(1);
    c.propose(1, "kept");
    const s = c.node(1);
    // Entry appended in memory but storage crashed before writing it.
    const { state } = step(s, { type: "propose", data: new Uint8Array([9]) });
    expect(state.log.entries).toHaveLength(3);
    c.restart(1);
    expect(c.node(1).log.entries).toHaveLength(2);
  });

  it("a snapshot keeps the membership in force at its index", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.step(1, { type: "conf-change", change: { changes: [{ type: "add-learner", node: 4 }] } });
    c.deliver();
    c.propose(1, "x");
    c.step(1, { type: "applied", index: 1 });
    c.step(1, { type: "snapshot", index: 1, data: bytes(1) });
    const snap1 = c.storage.get(1)!.snapshot as Snapshot;
    expect(snap1.config.learners).toEqual([]);
    c.step(1, { type: "applied", index: 3 });
    c.step(1, { type: "snapshot", index: 3, data: bytes(1) });
    expect(c.storage.get(1)!.snapshot!.config.learners).toEqual([4]);
  });
});

describe("duplicated snapshot chunks", () => {
  it("a late chunk of a snapshot already installed is answered with the commit index, not restarted", () => {
    const c = new Cluster([1, 2, 3], { maxSizePerMsg: 8 });
    c.campaign(1);
    c.isolate(3);
    c.propose(1, ["a", "b"]);
    compact(c, 1, bytes(20));
    c.heal();
    const chunks: import("../../src/core/raft/index.js").Message[] = [];
    const prev = c.drop;
    c.drop = (m) => {
      if (m.type === "snapshot") chunks.push(m);
      return prev(m);
    };
    c.tickAll(10);
    expect(c.snapshotsApplied.get(3)).toHaveLength(1);
    const out = c.step(3, { type: "message", message: { ...chunks[0]!, term: c.node(3).term } });
    expect(c.node(3).incoming).toBeUndefined();
    expect(out).toContainEqual(expect.objectContaining({ message: expect.objectContaining({ type: "append-response", index: c.node(3).log.committed }) }));
  });
});

describe("snapshot chunks out of order", () => {
  it("a chunk at the wrong offset is not taken: the follower says how many bytes it holds, and installs nothing", () => {
    const s = createRaft({ id: 2, voters: [1, 2, 3], electionTick: 10, heartbeatTick: 1, seed: 2 });
    const config = { voters: [1, 2, 3], votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false };
    const chunk = (offset: number, data: number[], done: boolean): Message => ({
      type: "snapshot", from: 1, to: 2, term: 5, snapshot: { index: 10, term: 3, config }, size: 4, offset, data: Uint8Array.from(data), done,
    });
    const first = step(s, { type: "message", message: chunk(0, [1, 2], false) }).outputs;
    expect(sends(first)).toMatchObject([{ type: "snapshot-response", index: 10, received: 2 }]);
    const skipped = step(s, { type: "message", message: chunk(3, [4], true) }).outputs;
    expect(skipped.some((o) => o.type === "persist")).toBe(false);
    expect(sends(skipped)).toMatchObject([{ type: "snapshot-response", index: 10, received: 2 }]);
    expect(s.log.offset).toBe(0);
    const last = step(s, { type: "message", message: chunk(2, [3, 4], true) }).outputs;
    expect(last[0]).toMatchObject({ type: "persist", snapshot: { index: 10, data: Uint8Array.from([1, 2, 3, 4]) } });
  });
});
