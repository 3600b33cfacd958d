// `quorate simulate --system zk`: seeded runs of the replicated service under crashes, partitions, loss,
// duplication, drift and slow disks, with the service's invariants checked at every applied entry — and
// those invariants shown to fire on broken trees.
import { describe, expect, it, vi } from "vitest";
import { run as simulateCli } from "../../src/adapters/cli/commands/simulate.js";
import { allFaults, simulate } from "../../src/adapters/simulator/index.js";
import { SYSTEMS } from "../../src/adapters/simulator/systems.js";
import { ZkEnsembleInvariants, zkProtocol } from "../../src/adapters/simulator/zk-protocol.js";
import type { Command } from "../../src/core/zk-ensemble/index.js";
import { CREATE_MODES, Code, OPEN_ACL_UNSAFE, applyTransaction, cloneTree, createTree } from "../../src/core/zk/index.js";
import type { Reply, WriteRequest, ZkTree } from "../../src/core/zk/index.js";

describe("seeded simulation runs", () => {
  for (const [seed, sendOrder] of [[1, "strict"], [2, "strict"], [3, "contract"], [4, "contract"]] as const) {
    it(`seed ${seed}, send order ${sendOrder}: every invariant holds, and the workload exercised expiry, sequential names and the lock`, () => {
      const options = { seed, nodes: 3, steps: 6000, faults: allFaults(), sendOrder };
      const protocol = zkProtocol();
      const result = simulate(protocol, options);
      const replay = `npx --no-install quorate simulate --system zk --nodes 3 --seed ${seed} --steps 6000 --faults all --send-order ${sendOrder}`;
      expect(result.violations, replay).toEqual([]);
      expect(result.ok).toBe(true);
      const counts = protocol.invariants.counts;
      expect(counts.sequentialCreates, replay).toBeGreaterThan(0);
      expect(counts.expiries + counts.fencedWrites, replay).toBeGreaterThan(0);
      expect(result.stats.ok).toBeGreaterThan(0);
    });
  }

  it("is registered as --system zk and deterministic per seed", () => {
    const options = { seed: 9, nodes: 3, steps: 2000, faults: allFaults() };
    const a = simulate(SYSTEMS.zk!(options), options);
    const b = simulate(SYSTEMS.zk!(options), options);
    expect(a.stats).toEqual(b.stats);
    expect(a.history).toEqual(b.history);
  });

  it("counts across the campaign: sessions do expire and fenced writes do commit", () => {
    let expiries = 0;
    let fenced = 0;
    for (const seed of [11, 12, 13]) {
      const protocol = zkProtocol();
      const r = simulate(protocol, { seed, nodes: 3, steps: 4000, faults: allFaults() });
      expect(r.violations).toEqual([]);
      expiries += protocol.invariants.counts.expiries;
      fenced += protocol.invariants.counts.fencedWrites;
    }
    expect(expiries).toBeGreaterThan(0);
    expect(fenced).toBeGreaterThan(0);
  });
});

describe("quorate simulate --system zk", () => {
  it("prints the same JSON contract as --system raft, and exits 0 when every invariant held", async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (out.push(String(chunk)), true));
    let code: number;
    try {
      code = await simulateCli(["--system", "zk", "--nodes", "3", "--seed", "5", "--steps", "2000", "--faults", "all", "--json"]);
    } finally {
      spy.mockRestore();
    }
    const o = JSON.parse(out.join("")) as Record<string, unknown>;
    expect(code).toBe(0);
    expect(o).toMatchObject({ ok: true, seed: 5, steps: 2000, violations: [] });
    expect(Object.keys(o.stats as object)).toEqual(expect.arrayContaining(["elections", "leaderChanges", "committed", "committedBeforeHeal", "clientOps", "faults", "messages"]));
    expect(Object.keys((o.stats as { faults: object }).faults)).toEqual(expect.arrayContaining(["dropped", "crashes", "partitions"]));
    expect(o.replay).toBe("npx --no-install quorate simulate --system zk --nodes 3 --seed 5 --steps 2000 --faults all");
  });
});

describe("the service's invariants have teeth", () => {
  const cmd = (request: WriteRequest, sessionId = 0, expiry = false): Command => ({ time: 1, sessionId, xid: 0, auth: [], request, origin: 0, ...(expiry ? { expiry } : {}) });
  const at = (tree: ZkTree, zxid: number, request: WriteRequest, sessionId: number): Reply => applyTransaction(tree, { zxid, time: 1, sessionId, auth: [], request }).reply;
  const create = (path: string, mode: (typeof CREATE_MODES)[number]) => ({ type: "create" as const, opcode: 1 as const, path, data: new Uint8Array(0), acl: OPEN_ACL_UNSAFE, flags: CREATE_MODES.indexOf(mode), ttl: -1 });

  it("flags replicas whose trees differ at one index", () => {
    const inv = new ZkEnsembleInvariants();
    const a = createTree();
    const b = createTree();
    at(a, 1, { type: "createSession", sessionId: 7, password: "p", timeoutMs: 100 }, 7);
    at(b, 1, { type: "createSession", sessionId: 8, password: "p", timeoutMs: 100 }, 8);
    inv.applied(1, a, 1, undefined, undefined);
    inv.applied(2, cloneTree(a), 1, undefined, undefined);
    expect(inv.violations).toEqual([]);
    inv.applied(3, b, 1, undefined, undefined);
    expect(inv.violations.map((v) => v.invariant)).toEqual(["zk-tree-equal"]);
  });

  it("flags an ephemeral that outlives its session", () => {
    const inv = new ZkEnsembleInvariants();
    const t = createTree();
    at(t, 1, { type: "createSession", sessionId: 7, password: "p", timeoutMs: 100 }, 7);
    at(t, 2, create("/e", "EPHEMERAL"), 7);
    t.sessions.delete(7); // a broken close: the session is gone, its ephemeral is not
    inv.applied(1, t, 3, cmd({ type: "closeSession" }, 7, true), { err: Code.OK, zxid: 3 });
    expect(inv.violations.map((v) => v.invariant)).toEqual(["zk-ephemeral-outlived"]);
    expect(inv.counts.expiries).toBe(1);
  });

  it("flags a sequential name created twice under a parent", () => {
    const inv = new ZkEnsembleInvariants();
    const t = createTree();
    const req = create("/s-", "PERSISTENT_SEQUENTIAL");
    inv.applied(1, t, 5, cmd(req), { err: Code.OK, zxid: 5, body: { kind: "create", path: "/s-0000000001" } });
    inv.applied(1, t, 6, cmd(req), { err: Code.OK, zxid: 6, body: { kind: "create", path: "/s-0000000002" } });
    expect(inv.violations).toEqual([]);
    inv.applied(1, t, 7, cmd(req), { err: Code.OK, zxid: 7, body: { kind: "create", path: "/s-0000000001" } });
    expect(inv.violations.map((v) => v.invariant)).toEqual(["zk-sequential-unique"]);
  });

  it("flags a fenced write committed for a session that does not hold the lock", () => {
    const inv = new ZkEnsembleInvariants();
    const t = createTree();
    at(t, 1, { type: "createSession", sessionId: 7, password: "p", timeoutMs: 100 }, 7);
    at(t, 2, { type: "createSession", sessionId: 8, password: "p", timeoutMs: 100 }, 8);
    at(t, 3, create("/lock-", "EPHEMERAL_SEQUENTIAL"), 7); // /lock-0000000000 holds
    at(t, 4, create("/lock-", "EPHEMERAL_SEQUENTIAL"), 8); // /lock-0000000001 waits
    const fenced = (lock: string, zxid: number) =>
      inv.applied(1, t, zxid, cmd({ type: "multi", ops: [{ type: "check", path: lock, version: -1 }, { type: "setData", path: "/k0", data: null, version: -1 }] }), {
        err: Code.OK,
        zxid,
        body: { kind: "multi", results: [{ type: "check" }, { type: "setData", stat: {} as never }] },
      });
    fenced("/lock-0000000000", 5);
    expect(inv.violations).toEqual([]);
    fenced("/lock-0000000001", 6);
    expect(inv.violations.map((v) => v.invariant)).toEqual(["zk-lock-exclusive"]);
    expect(inv.counts.fencedWrites).toBe(2);
  });
});
