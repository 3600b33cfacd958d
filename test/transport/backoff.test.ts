import { describe, expect, it } from "vitest";
import { Backoff } from "../../src/adapters/transport/index.js";

describe("redial backoff", () => {
  it("doubles from the initial delay up to the cap, jittered into [d/2, d]", () => {
    const b = new Backoff(7, 50, 1000);
    const caps = [50, 100, 200, 400, 800, 1000, 1000, 1000];
    for (const cap of caps) {
      const d = b.next();
      expect(d).toBeGreaterThanOrEqual(cap / 2);
      expect(d).toBeLessThanOrEqual(cap);
    }
    b.reset();
    expect(b.next()).toBeLessThanOrEqual(50);
  });

  it("is reproducible from its seed, and different seeds give different jitter", () => {
    const seq = (seed: number) => {
      const b = new Backoff(seed, 50, 5000);
      return Array.from({ length: 10 }, () => b.next());
    };
    expect(seq(3)).toEqual(seq(3));
    expect(seq(3)).not.toEqual(seq(4));
  });
});
