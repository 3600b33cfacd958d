// The search's set-up shortcuts (entries merged instead of sorted, twins grouped by a structural hash, partitions
// put in call order by one float sort) against the plain comparison sorts and JSON keys they replaced, on random
// histories: ties, ops of unknown outcome, calls out of order, non-integer times, equal and unequal values.
// Replay a failure: LIN_SETUP_SEED=<seed printed below> npx vitest run test/properties/lin-search-setup.test.ts
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { partitionHistory } from "../../src/check/linearizability/check.js";
import { kv } from "../../src/check/linearizability/models/index.js";
import { timeOrderedEntries, twinPredecessors } from "../../src/check/linearizability/search-setup.js";
import type { History, Operation } from "../../src/check/linearizability/types.js";
import { withReplay } from "../support/replay.js";

const seed = Number(process.env["LIN_SETUP_SEED"] ?? 20261205);
const numRuns = 300;

function withSeed(property: () => void): void {
  withReplay(`LIN_SETUP_SEED=${seed} npx vitest run test/properties/lin-search-setup.test.ts`, property);
}

const value = fc.oneof(fc.constantFrom(null, 0, 1, "x", "y", true), fc.constantFrom([1, 2], [1, "2"], { a: 1, b: [2] }, { b: [2], a: 1 }));
const op = fc.record({
  process: fc.nat(3),
  f: fc.constantFrom("read", "write", "get", "put"),
  key: fc.option(fc.constantFrom("k0", "k1"), { nil: undefined }),
  value,
  out: value,
  call: fc.oneof({ weight: 4, arbitrary: fc.nat(20) }, { weight: 1, arbitrary: fc.double({ min: 0, max: 20, noNaN: true }) }),
  len: fc.nat(6),
  unknown: fc.nat(5).map((k) => k === 0),
});
const history = fc.array(op, { maxLength: 30 }).map((shapes): History =>
  shapes.map((s): Operation => {
    const input = s.key === undefined ? { f: s.f, value: s.value } : { f: s.f, key: s.key, value: s.value };
    return s.unknown ? { process: s.process, input, output: undefined, call: s.call, return: Infinity } : { process: s.process, input, output: { type: "ok", value: s.out }, call: s.call, return: s.call + s.len };
  }),
);
/** Sorted by call as partitions are (the search's precondition for the merge); sometimes left unsorted. */
const callOrdered = history.map((h) => [...h].sort((a, b) => a.call - b.call));

function referenceEntries(ops: History): number[] {
  const encoded: number[] = [];
  ops.forEach((o, i) => {
    encoded.push(i * 2);
    if (o.return !== Infinity) encoded.push(i * 2 + 1);
  });
  const timeOf = (e: number): number => ((e & 1) === 0 ? ops[e >> 1]!.call : ops[e >> 1]!.return);
  return encoded.sort((a, b) => timeOf(a) - timeOf(b) || (a & 1) - (b & 1) || a - b);
}

/** The twin relation as it was computed with JSON keys (objects compared with their keys sorted). */
function referenceTwins(ops: History): number[] {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v !== null && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])])) : v;
  const twin = new Array<number>(ops.length).fill(-1);
  const classes = new Map<string, number[]>();
  ops.forEach((o, i) => {
    const key = JSON.stringify([canonical(o.input), o.output === undefined ? "\u0000unknown" : canonical(o.output)]);
    classes.set(key, [...(classes.get(key) ?? []), i]);
  });
  for (const members of classes.values()) {
    members.sort((a, b) => ops[a]!.call - ops[b]!.call || ops[a]!.return - ops[b]!.return || a - b);
    for (let j = 1; j < members.length; j++) {
      for (let k = j - 1; k >= 0; k--) {
        if (ops[members[k]!]!.return <= ops[members[j]!]!.return) {
          twin[members[j]!] = members[k]!;
          break;
        }
      }
    }
  }
  return twin;
}

describe("search set-up", () => {
  it("orders entries exactly as a comparison sort does (ops in call order or not)", () => {
    withSeed(() => fc.assert(fc.property(fc.oneof(callOrdered, history), (ops) => {
            expect(Array.from(timeOrderedEntries(ops))).toEqual(referenceEntries(ops));
          }), { seed, numRuns }));
  });

  it("finds the same twins as JSON keys did", () => {
    withSeed(() => fc.assert(fc.property(fc.oneof(callOrdered, history), (ops) => {
            expect(Array.from(twinPredecessors(ops))).toEqual(referenceTwins(ops));
          }), { seed, numRuns }));
  });

  it("puts partitions in call order with original indices, ties by index", () => {
    const model = kv();
    withSeed(() =>
      fc.assert(
        fc.property(history, fc.boolean(), (ops, partitioned) => {
          const parts = partitionHistory(ops, model, partitioned);
          for (const part of parts) {
            const expected = [...part.originalIndex].sort((a, b) => ops[a]!.call - ops[b]!.call || a - b);
            expect(part.originalIndex).toEqual(expected);
            expect(part.history).toEqual(part.originalIndex.map((i) => ops[i]));
          }
          expect(parts.flatMap((p) => p.originalIndex).sort((a, b) => a - b)).toEqual(Array.from(ops.keys()));
        }),
        { seed, numRuns },
      ),
    );
  });
});
