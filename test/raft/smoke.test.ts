import { describe, expect, it } from "vitest";
import { Cluster } from "./harness.js";

describe("smoke", () => {
  it("elects a leader and replicates", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    expect(c.node(1).role).toBe("leader");
    c.propose(1, "a");
    c.propose(1, ["b", "c"]);
    for (const id of [1, 2, 3]) expect(c.appliedData(id)).toEqual(["a", "b", "c"]);
  });
  it("single node", () => {
    const c = new Cluster([1]);
    c.campaign(1);
    expect(c.node(1).role).toBe("leader");
    c.propose(1, "x");
    expect(c.appliedData(1)).toEqual(["x"]);
  });
  it("ticks elect someone", () => {
    const c = new Cluster([1, 2, 3, 4, 5], { preVote: true, checkQuorum: true });
    c.tickAll(40);
    expect(c.leader()).not.toBe(0);
  });
});
