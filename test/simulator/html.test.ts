import { describe, expect, it } from "vitest";
import { LEGENDS, diagramData, renderSpaceTime } from "../../src/adapters/simulator/index.js";

// A hand-written trace: an election, a message and a dropped one of a kind no legend knows, a partition healed,
// a crash and restart, a link stall, a step-down and a second leader, then the liveness phase.
const TRACE = [
  { type: "cluster", t: 0, nodes: [1, 2, 3] },
  { type: "state", t: 0, node: 1, term: 0, role: "follower", vote: 0, commit: 0, applied: 0, leader: 0 },
  { type: "state", t: 0, node: 2, term: 0, role: "follower", vote: 0, commit: 0, applied: 0, leader: 0 },
  { type: "state", t: 0, node: 3, term: 0, role: "follower", vote: 0, commit: 0, applied: 0, leader: 0 },
  { type: "state", t: 120, node: 1, term: 1, role: "candidate", vote: 1, commit: 0, applied: 0, leader: 0 },
  { type: "state", t: 140, node: 1, term: 1, role: "leader", vote: 1, commit: 0, applied: 0, leader: 1 },
  { type: "msg", t: 150, ev: "send", from: 1, to: 2, id: 1, msg: "append", term: 1 },
  { type: "msg", t: 155, ev: "deliver", from: 1, to: 2, id: 1, msg: "append", term: 1 },
  { type: "msg", t: 160, ev: "send", from: 2, to: 1, id: 2, msg: "mystery", term: 1 },
  { type: "msg", t: 170, ev: "drop", from: 2, to: 1, id: 2, msg: "mystery", term: 1 },
  { type: "fault", t: 200, fault: "partition", detail: "symmetric", nodes: [3] },
  { type: "fault", t: 300, fault: "heal" },
  { type: "fault", t: 400, fault: "crash", nodes: [2] },
  { type: "crash", t: 400, node: 2 },
  { type: "fault", t: 450, fault: "restart", nodes: [2] },
  { type: "restart", t: 450, node: 2 },
  { type: "state", t: 450, node: 2, term: 1, role: "follower", vote: 0, commit: 0, applied: 0, leader: 0 },
  { type: "fault", t: 500, fault: "stall", detail: "outgoing messages held for 250 ms", nodes: [1] },
  { type: "state", t: 600, node: 1, term: 2, role: "follower", vote: 0, commit: 0, applied: 0, leader: 0 },
  { type: "state", t: 700, node: 3, term: 2, role: "leader", vote: 3, commit: 0, applied: 0, leader: 3 },
  { type: "fault", t: 800, fault: "heal-all", detail: "liveness phase: every fault healed" },
  { type: "state", t: 900, node: 3, term: 2, role: "leader", vote: 3, commit: 1, applied: 1, leader: 3 },
].map((r) => JSON.stringify(r));

describe("the space-time page's data", () => {
  const d = diagramData(TRACE, { system: "raft", violations: [{ t: 650, invariant: "election-safety", detail: "two leaders", node: 3 }] });

  it("faults become bands from their start to their end: a partition to its heal, a crash to its restart, a stall for its duration", () => {
    expect(d.faults.map((f) => [f.kind, f.t0, f.t1, f.nodes])).toEqual([
      ["partition", 200, 300, [2]],
      ["crash", 400, 450, [1]],
      ["stall", 500, 750, [0]],
      ["heal-all", 800, 800, []],
    ]);
    expect(d.faults[0]!.label).toBe("partition symmetric: {3} | {1,2}");
  });

  it("leaderships and the elections between them", () => {
    expect(d.leaders).toEqual([0, 1, 140, 600, 2, 2, 700, 900]);
    // No leader from 0 to 140 (node 1 wins term 1), nor from 600 to 700 (node 3 wins term 2).
    expect(d.elections).toEqual([0, 140, 0, 1, 600, 700, 2, 2]);
  });

  it("role segments, with the crashed node down until its restart", () => {
    const segs: number[][] = [];
    for (let k = 0; k < d.seg.length; k += 5) segs.push(d.seg.slice(k, k + 5));
    const down = d.roles.findIndex((r) => r.name === "down");
    expect(segs).toContainEqual([1, down, 0, 400, 450]);
    const leader = d.roles.findIndex((r) => r.name === "leader");
    expect(segs).toContainEqual([0, leader, 1, 140, 600]);
  });

  it("messages: a delivered append, and a dropped message of a kind the legend lacks, which gets a legend entry and a colour", () => {
    expect(d.msg).toEqual([0, 0, 1, 150, 155, 0, 1, LEGENDS.raft.messages.length, 1, 0, 160, 170, 1, 1]);
    const mystery = d.kinds[LEGENDS.raft.messages.length]!;
    expect(mystery.name).toBe("mystery");
    expect(mystery.count).toBe(1);
    expect(mystery.colour).not.toBe("#000");
    expect(d.kinds[0]).toMatchObject({ name: "append", count: 1 });
    expect(d.violations).toEqual([{ t: 650, label: "election-safety: two leaders", lane: 2 }]);
    expect(d.end).toBe(900);
  });

  it("the page embeds its data safely and fetches nothing", () => {
    const html = renderSpaceTime([...TRACE, JSON.stringify({ type: "fault", t: 900, fault: "note", detail: "</script><script>alert(1)</script>" })], { title: "a <b>title</b>" });
    expect(html).toContain("<title>a &lt;b&gt;title&lt;/b&gt;</title>");
    expect(html).not.toContain("</script><script>alert(1)");
    expect(/<script src=|<link |https?:\/\//.test(html)).toBe(false);
  });
});
