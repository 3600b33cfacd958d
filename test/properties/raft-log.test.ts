/** Properties of the data-oriented log against a naive model (a plain array of terms from index 1). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as L from "../../src/core/raft/log.js";
import type { Entry } from "../../src/core/raft/index.js";

const SEED = 7;

type Op = { kind: "append"; terms: number[] } | { kind: "truncate"; at: number } | { kind: "compact"; at: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("append" as const), terms: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 5 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ kind: fc.constant("compact" as const), at: fc.integer({ min: 0, max: 30 }) }),
);

const entry = (index: number, term: number, size = 1): Entry => ({ index, term, kind: "normal", data: new Uint8Array(size) });

describe(`log properties (seed ${SEED}; replay: npx vitest run test/properties/raft-log.test.ts)`, () => {
  it("termAt / entryAt / lastIndex / findConflictByTerm / slice agree with the model after any op sequence", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), fc.integer({ min: 1, max: 5 }), (ops, maxBytes) => {
        const log = L.newLog(0, 0, [], undefined);
        const model: number[] = []; // model[i-1] = term of index i
        let offset = 0;
        for (const o of ops) {
          if (o.kind === "append") {
            let t = model.length > 0 ? model[model.length - 1]! : 0;
            const es: Entry[] = [];
            for (const d of o.terms) {
              t += d;
              es.push(entry(model.length + es.length + 1, t));
            }
            L.append(log, es);
            for (const e of es) model.push(e.term);
          } else if (o.kind === "truncate") {
            if (o.at > offset && o.at <= model.length) {
              L.truncateFrom(log, o.at);
              model.length = o.at - 1;
            }
          } else if (o.at > offset && o.at <= model.length) {
            L.compact(log, { index: o.at, term: model[o.at - 1]!, config: { voters: [], votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false }, data: new Uint8Array() });
            offset = o.at;
          }
          expect(L.lastIndex(log)).toBe(model.length);
          expect(L.firstIndex(log)).toBe(offset + 1);
          for (let i = 0; i <= model.length + 1; i++) {
            const expected = i < offset || i > model.length ? undefined : i === 0 ? 0 : model[i - 1];
            expect(L.termAt(log, i)).toBe(expected);
            expect(L.entryAt(log, i)?.term).toBe(i <= offset ? undefined : model[i - 1]);
          }
          // findConflictByTerm: largest index ≤ i with term ≤ t, not below the offset.
          for (let i = offset; i <= model.length; i++) {
            for (let t = 0; t <= 8; t++) {
              let j = i;
              while (j > offset && model[j - 1]! > t) j--;
              const got = L.findConflictByTerm(log, i, t);
              expect(got.index).toBe(j);
              expect(got.term).toBe(j === 0 ? 0 : j === offset ? L.termAt(log, offset) : model[j - 1]);
            }
          }
          if (model.length > offset) {
            const lo = offset + 1;
            const s = L.slice(log, lo, model.length + 1, maxBytes);
            expect(s.length).toBe(Math.min(Math.max(1, maxBytes), model.length - offset));
            expect(s.map((e) => e.index)).toEqual(Array.from({ length: s.length }, (_, k) => lo + k));
          }
        }
      }),
      { numRuns: 150, seed: SEED },
    );
  });

  it("findConflict returns the first absent or term-mismatched entry", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 10 }), fc.integer({ min: 0, max: 10 }), fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 6 }), (base, from, incoming) => {
        const sorted = [...base].sort();
        const log = L.newLog(0, 0, sorted.map((t, i) => entry(i + 1, t)), undefined);
        const start = Math.min(from, sorted.length) + 1;
        const es = [...incoming].sort().map((t, i) => entry(start + i, t));
        let expected = 0;
        for (const e of es) {
          if (sorted[e.index - 1] !== e.term) {
            expected = e.index;
            break;
          }
        }
        expect(L.findConflict(log, es)).toBe(expected);
      }),
      { numRuns: 200, seed: SEED },
    );
  });

  it("isUpToDate is the §5.4.1 comparison", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 8 }), fc.nat(10), fc.nat(5), (terms, ci, ct) => {
        const sorted = [...terms].sort();
        const log = L.newLog(0, 0, sorted.map((t, i) => entry(i + 1, t)), undefined);
        const lt = sorted.length > 0 ? sorted[sorted.length - 1]! : 0;
        expect(L.isUpToDate(log, ci, ct)).toBe(ct > lt || (ct === lt && ci >= sorted.length));
      }),
      { numRuns: 200, seed: SEED },
    );
  });
});
