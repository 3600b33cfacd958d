import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EventQueue,
  Prng,
  SimOptionError,
  allFaults,
  formatFaults,
  noFaults,
  parseFaults,
  simulate,
} from "../../src/adapters/simulator/index.js";
import type { Protocol } from "../../src/adapters/simulator/index.js";
import { toyProtocol } from "./toy-protocol.js";

type Rec = Record<string, unknown> & { type: string; t: number };
const parse = (lines: readonly string[] | undefined): Rec[] => (lines ?? []).map((l) => JSON.parse(l) as Rec);

describe("seeded PRNG and event queue", () => {
  it("the same seed gives the same sequence; another seed another", () => {
    const a = new Prng(7);
    const b = new Prng(7);
    const c = new Prng(8);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(xs);
    // Roughly uniform: each of 10 buckets gets 10% ± 2% of 10,000 draws.
    const buckets = new Array<number>(10).fill(0);
    for (let k = 0; k < 10_000; k++) buckets[a.int(10)]!++;
    for (const n of buckets) expect(Math.abs(n - 1000)).toBeLessThan(200);
  });

  it("events pop in (time, insertion) order", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), (times) => {
        const q = new EventQueue();
        times.forEach((t, k) => q.push(t, 0, 0, k, undefined));
        const popped: [number, number][] = [];
        for (let e = q.pop(); e !== undefined; e = q.pop()) popped.push([e.at, e.tag]);
        const expected = times.map((t, k) => [t, k] as [number, number]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        expect(popped).toEqual(expected);
      }),
      { numRuns: 100, seed: 42 },
    );
  });

  it("pushes and pops interleaved keep (time, insertion) order: far future, past and fractional times too", () => {
    // Offsets from the time of the last pop: near (the usual case), fractional, beyond the queue's 4096 ms wheel,
    // and before the last pop (the queue must still order them, though the simulator never schedules the past).
    const offset = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.double({ min: 0, max: 5, noNaN: true }), fc.integer({ min: 4000, max: 20_000 }), fc.integer({ min: -5000, max: -1 }));
    const op = fc.oneof(offset.map((d) => ({ push: d })), fc.constant({ push: undefined }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const q = new EventQueue();
        const model: [number, number][] = [];
        let now = 0;
        let tag = 0;
        for (const o of ops) {
          if (o.push !== undefined) {
            q.push(now + o.push, 0, 0, tag, undefined);
            model.push([now + o.push, tag++]);
            continue;
          }
          model.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
          const want = model.shift();
          expect(q.peekTime()).toBe(want === undefined ? Infinity : want[0]);
          const e = q.pop();
          expect(e === undefined ? undefined : [e.at, e.tag]).toEqual(want);
          if (e !== undefined) now = e.at;
          expect(q.size).toBe(model.length);
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe("options", () => {
  it("parses fault lists, all and none, and names --faults on a bad one", () => {
    expect(parseFaults("all")).toEqual(allFaults());
    expect(parseFaults("none")).toEqual(noFaults());
    expect(parseFaults("drop,crash")).toEqual({ ...noFaults(), drop: true, crash: true });
    expect(formatFaults(parseFaults("crash,drop"))).toBe("drop,crash");
    expect(() => parseFaults("drop,flood")).toThrow(SimOptionError);
    expect(() => parseFaults("drop,flood")).toThrow(/--faults: unknown fault 'flood'/);
  });

  it("rejects out-of-range runs with an error naming the option", () => {
    expect(() => simulate(toyProtocol, { seed: 1, nodes: 0, steps: 10, faults: noFaults() })).toThrow(/--nodes/);
    expect(() => simulate(toyProtocol, { seed: -1, nodes: 3, steps: 10, faults: noFaults() })).toThrow(/--seed/);
    expect(() => simulate(toyProtocol, { seed: 1, nodes: 3, steps: 1.5, faults: noFaults() })).toThrow(/--steps/);
  });
});

describe("simulator on a toy protocol", () => {
  const run = (seed: number, faults = allFaults(), steps = 4000) => simulate(toyProtocol, { seed, nodes: 5, steps, faults, trace: true });

  it("the same seed gives a byte-identical trace; another seed a different one", () => {
    const a = run(11);
    const b = run(11);
    expect(a.trace!.join("\n")).toBe(b.trace!.join("\n"));
    expect(a.trace!.length).toBeGreaterThan(1000);
    expect(run(12).trace!.join("\n")).not.toBe(a.trace!.join("\n"));
  });

  it("without faults nothing is lost; with every fault, messages drop, duplicate and nodes crash and restart", () => {
    const calm = run(3, noFaults());
    expect(calm.stats).toMatchObject({ dropped: 0, duplicated: 0, crashes: 0, partitions: 0 });
    expect(calm.stats.messages - calm.stats.deliveries).toBeLessThan(50); // only what is still in flight
    const stormy = run(3, allFaults(), 20_000);
    expect(stormy.stats.dropped).toBeGreaterThan(0);
    expect(stormy.stats.duplicated).toBeGreaterThan(0);
    expect(stormy.stats.crashes).toBeGreaterThan(0);
    expect(stormy.stats.restarts).toBeGreaterThan(0);
    expect(stormy.stats.partitions).toBeGreaterThan(0);
    expect(stormy.ok).toBe(true);
  });

  it("a message leaves only after the write it follows is durable, and a crash loses what was not", () => {
    const records = parse(run(5, allFaults(), 20_000).trace);
    const durable = new Map<number, number>();
    const down = new Set<number>();
    let restartsChecked = 0;
    let awaitingRestartState = new Map<number, number>();
    for (const r of records) {
      const node = r["node"] as number;
      if (r.type === "durable") durable.set(node, Math.max(durable.get(node) ?? 0, r["commit"] as number));
      if (r.type === "msg" && r["ev"] === "send") {
        // The toy sends the count it just persisted.
        expect(r["term"] as number).toBeLessThanOrEqual(durable.get(r["from"] as number) ?? 0);
      }
      if (r.type === "msg" && r["ev"] === "deliver") expect(down.has(r["to"] as number)).toBe(false);
      if (r.type === "crash") down.add(node);
      if (r.type === "restart") {
        down.delete(node);
        awaitingRestartState.set(node, durable.get(node) ?? 0);
      }
      if (r.type === "state" && awaitingRestartState.has(node)) {
        expect(r["commit"]).toBe(awaitingRestartState.get(node));
        awaitingRestartState.delete(node);
        restartsChecked++;
      }
    }
    awaitingRestartState = new Map();
    expect(restartsChecked).toBeGreaterThan(0);
  });

  it("a symmetric partition stops deliveries across it until it heals", () => {
    let checked = 0;
    for (let seed = 1; seed <= 20 && checked < 3; seed++) {
      const records = parse(run(seed, parseFaults("partition"), 6000).trace);
      let cut: Set<number> | undefined;
      for (const r of records) {
        if (r.type === "fault" && r["fault"] === "partition") cut = r["detail"] === "symmetric" ? new Set(r["nodes"] as number[]) : undefined;
        if (r.type === "fault" && (r["fault"] === "heal" || r["fault"] === "heal-all")) cut = undefined;
        if (cut !== undefined && r.type === "msg" && r["ev"] === "deliver") {
          expect(cut.has(r["from"] as number)).toBe(cut.has(r["to"] as number));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it("clock drift gives nodes different tick rates", () => {
    const records = parse(run(9, parseFaults("drift"), 5000).trace);
    const sends = new Map<number, number>();
    for (const r of records) if (r.type === "msg" && r["ev"] === "send") sends.set(r["from"] as number, (sends.get(r["from"] as number) ?? 0) + 1);
    const counts = [...sends.values()];
    expect(Math.max(...counts) / Math.min(...counts)).toBeGreaterThan(1.1);
  });

  it("clients: every invoke gets at most one completion, refusals are retried at the hinted leader", () => {
    const result = run(21, allFaults(), 20_000);
    const open = new Map<number | string, string>();
    let completed = 0;
    for (const h of result.history) {
      if (h.type === "invoke") {
        expect(open.has(h.id)).toBe(false);
        open.set(h.id, h.f);
      } else {
        expect(open.get(h.id)).toBe(h.f);
        open.delete(h.id);
        completed++;
        if (h.type === "ok" && h.f === "write") expect(h.node).toBe(1);
      }
    }
    expect(open.size).toBeLessThanOrEqual(3);
    expect(completed).toBeGreaterThan(50);
    expect(result.stats.ok).toBeGreaterThan(0);
  });

  it("clients: a node that never answers turns writes into info and reads into fail at the deadline", () => {
    const silent: Protocol<unknown, unknown, unknown, unknown> = {
      ...(toyProtocol as unknown as Protocol<unknown, unknown, unknown, unknown>),
      request: (s) => s,
    };
    const result = simulate(silent, { seed: 4, nodes: 3, steps: 3000, faults: noFaults(), liveness: false });
    const kinds = new Set(result.history.filter((h) => h.type !== "invoke").map((h) => `${h.type}/${h.f}`));
    expect(kinds).toEqual(new Set(["info/write", "fail/read"]));
  });

  it("the liveness phase fails a protocol that never elects a leader, naming liveness", () => {
    const leaderless: Protocol<unknown, unknown, unknown, unknown> = {
      ...(toyProtocol as unknown as Protocol<unknown, unknown, unknown, unknown>),
      view(s, out) {
        toyProtocol.view(s as never, out);
        out.role = "follower";
      },
    };
    const result = simulate(leaderless, { seed: 1, nodes: 3, steps: 500, faults: noFaults(), livenessBoundMs: 2000 });
    expect(result.ok).toBe(false);
    expect(result.violations[0]).toMatchObject({ invariant: "liveness" });
    expect(result.violations[0]!.detail).toContain("no leader");
    expect(run(1, noFaults(), 500).ok).toBe(true);
  });
});
