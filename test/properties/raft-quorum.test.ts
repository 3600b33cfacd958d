/** Properties of the quorum code: the optimised computations equal naive ones, joint configurations included. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jointCommitted, jointVote, majorityCommitted, majorityVote } from "../../src/core/raft/index.js";

const SEED = 20261125;
const runs = { numRuns: 300, seed: SEED };

/** Naive: sort acknowledged indices descending and take the one a majority has reached. */
function naiveMajority(voters: number[], acked: Map<number, number>): number {
  if (voters.length === 0) return Infinity;
  const sorted = voters.map((v) => acked.get(v) ?? 0).sort((a, b) => b - a);
  const q = Math.floor(voters.length / 2) + 1;
  return sorted[q - 1]!;
}

/** Naive: the largest index i such that a majority has acked ≥ i, by trying every candidate. */
function bruteMajority(voters: number[], acked: Map<number, number>): number {
  if (voters.length === 0) return Infinity;
  const candidates = [0, ...voters.map((v) => acked.get(v) ?? 0)];
  let best = 0;
  for (const i of candidates) {
    const n = voters.filter((v) => (acked.get(v) ?? 0) >= i).length;
    if (n * 2 > voters.length && i > best) best = i;
  }
  return best;
}

const ids = fc.uniqueArray(fc.integer({ min: 1, max: 9 }), { maxLength: 7 });
const acks = fc.dictionary(fc.integer({ min: 1, max: 9 }).map(String), fc.integer({ min: 0, max: 20 }));
const toMap = (d: Record<string, number>) => new Map(Object.entries(d).map(([k, v]) => [Number(k), v]));

describe("quorum properties (seed " + SEED + "; replay: npx vitest run test/properties/raft-quorum.test.ts)", () => {
  it("majority commit index = naive sort-and-take-median = brute force", () => {
    fc.assert(
      fc.property(ids, acks, (voters, d) => {
        const m = toMap(d);
        const got = majorityCommitted(voters, (id) => m.get(id) ?? 0);
        expect(got).toBe(naiveMajority(voters, m));
        expect(got).toBe(bruteMajority(voters, m));
      }),
      runs,
    );
  });

  it("joint commit index = min of the two naive majorities", () => {
    fc.assert(
      fc.property(ids, ids, acks, (incoming, outgoing, d) => {
        const m = toMap(d);
        const got = jointCommitted(incoming, outgoing, (id) => m.get(id) ?? 0);
        const expected = outgoing.length === 0 ? naiveMajority(incoming, m) : Math.min(naiveMajority(incoming, m), naiveMajority(outgoing, m));
        expect(got).toBe(expected);
      }),
      runs,
    );
  });

  const votes = fc.dictionary(fc.integer({ min: 1, max: 9 }).map(String), fc.boolean());
  function naiveVote(voters: number[], v: Map<number, boolean>): string {
    if (voters.length === 0) return "won";
    const yes = voters.filter((id) => v.get(id) === true).length;
    const no = voters.filter((id) => v.get(id) === false).length;
    if (yes * 2 > voters.length) return "won";
    if (no * 2 >= voters.length) return "lost";
    return "pending";
  }

  it("majority and joint vote results equal naive counting", () => {
    fc.assert(
      fc.property(ids, ids, votes, (incoming, outgoing, d) => {
        const v = new Map(Object.entries(d).map(([k, b]) => [Number(k), b]));
        expect(majorityVote(incoming, v)).toBe(naiveVote(incoming, v));
        const a = naiveVote(incoming, v);
        const b = naiveVote(outgoing, v);
        const expected = a === "won" && b === "won" ? "won" : a === "lost" || b === "lost" ? "lost" : "pending";
        expect(jointVote(incoming, outgoing, v)).toBe(expected);
      }),
      runs,
    );
  });
});
