import { describe, expect, it } from "vitest";
import { Cluster, text } from "./cluster.js";
import { highWatermark, role, epoch, leader } from "../../src/core/kraft/index.js";

describe("smoke", () => {
  it("elects a leader and commits records", () => {
    const c = new Cluster({ voters: [1, 2, 3], seed: 7 });
    const l = c.electLeader();
    c.propose(l, "a", "b");
    c.run(20);
    for (const id of c.ids) {
      expect(c.delivered.get(id)!.filter((e) => e.kind === "data").map(text)).toEqual(["a", "b"]);
      expect(highWatermark(c.node(id))).toBe(3);
      expect(epoch(c.node(id))).toBe(epoch(c.node(l)));
      expect(leader(c.node(id))).toBe(l);
    }
    expect(role(c.node(l))).toBe("leader");
  });
});
