// Recipes on the replicated service: lock and leader election without a herd effect, fencing tokens that only
// grow and stop working once the hold is lost, and a barrier.
import { describe, expect, it } from "vitest";
import { Barrier, EnsembleClient, EnsembleCluster, LeaderElection, Lock, ZkMultiError } from "../../src/adapters/zk-ensemble/index.js";
import { Code, fromUtf8 } from "../../src/core/zk/index.js";
import type { Hold } from "../../src/adapters/zk-ensemble/index.js";

async function clients(cluster: EnsembleCluster, n: number, timeoutMs = 200): Promise<EnsembleClient[]> {
  const out: EnsembleClient[] = [];
  for (let i = 0; i < n; i++) out.push(await EnsembleClient.connect(cluster, { replica: cluster.ids[i % cluster.ids.length]!, timeoutMs }));
  return out;
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe("lock", () => {
  it("serves waiters in order; each watches only its predecessor, and a release wakes exactly one", async () => {
    const cluster = EnsembleCluster.started({ seed: 21 });
    const cs = await clients(cluster, 5);
    const locks = cs.map((c) => new Lock(c, "/locks/a"));
    const events = cs.map(() => 0);
    cs.forEach((c, i) => c.onEvent(() => events[i]!++));
    const holds: (Hold | undefined)[] = cs.map(() => undefined);
    const order: number[] = [];
    const acquiring = locks.map((l, i) => l.acquire().then((h) => ((holds[i] = h), order.push(i))));
    await flush();
    expect(order).toEqual([0]);
    // No herd: waiter k watches exactly waiter k-1's node.
    const nodes = (await cs[0]!.getChildren("/locks/a")).children.map((c) => `/locks/a/${c}`);
    expect(locks.slice(1).map((l) => l.watched)).toEqual(nodes.slice(0, 4).map((p) => [p]));
    for (let k = 0; k < 4; k++) {
      const before = events.reduce((a, b) => a + b, 0);
      await holds[k]!.release();
      await flush();
      expect(events.reduce((a, b) => a + b, 0) - before, `release ${k} notified one waiter`).toBe(1);
      expect(order).toEqual(Array.from({ length: k + 2 }, (_, j) => j));
    }
    await Promise.all(acquiring);
    const tokens = holds.map((h) => h!.token);
    expect([...tokens].sort((a, b) => a - b)).toEqual(tokens); // fencing tokens grow with each holder
  });

  it("a holder whose session expired loses the lock; its fenced writes are refused and the next holder's token is larger", async () => {
    const cluster = EnsembleCluster.started({ seed: 22 });
    const [a, b] = await clients(cluster, 2, 100);
    await a!.create("/resource", "0");
    const holdA = await new Lock(a!, "/locks/r").acquire();
    await holdA.guarded([{ type: "setData", path: "/resource", data: new TextEncoder().encode("a"), version: -1 }]);
    const waitB = new Lock(b!, "/locks/r").acquire();
    a!.setPinging(false); // a stalls: its session expires, the leader deletes its lock node
    cluster.tick(40);
    const holdB = await waitB;
    expect(a!.state).toBe("expired");
    expect(holdB.token).toBeGreaterThan(holdA.token);
    const refused = await holdA.guarded([{ type: "setData", path: "/resource", data: new TextEncoder().encode("stale"), version: -1 }]).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: Code.SESSIONEXPIRED });
    await holdB.guarded([{ type: "setData", path: "/resource", data: new TextEncoder().encode("b"), version: -1 }]);
    expect(fromUtf8((await b!.getData("/resource")).data!)).toBe("b");
  });

  it("a guarded write after the holder's node was deleted fails as a whole", async () => {
    const cluster = EnsembleCluster.started({ seed: 23 });
    const [a] = await clients(cluster, 1);
    await a!.create("/res", "0");
    const hold = await new Lock(a!, "/locks/g").acquire();
    await hold.release();
    const err = await hold.guarded([{ type: "setData", path: "/res", data: new TextEncoder().encode("x"), version: -1 }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZkMultiError);
    expect((err as ZkMultiError).code).toBe(Code.NONODE);
    expect(fromUtf8((await a!.getData("/res")).data!)).toBe("0");
  });
});

describe("leader election", () => {
  it("elects the first contender, then the next when the leader's session dies", async () => {
    const cluster = EnsembleCluster.started({ seed: 24 });
    const cs = await clients(cluster, 3, 100);
    const elections = cs.map((c, i) => new LeaderElection(c, "/election", `node-${i}`));
    const won: string[] = [];
    const campaigns = elections.map((e) => e.campaign().then((h) => (won.push(e.id), h)));
    await flush();
    expect(won).toEqual(["node-0"]);
    expect(await elections[2]!.leader()).toBe("node-0");
    cs[0]!.setPinging(false);
    cluster.tick(40);
    await flush();
    expect(won).toEqual(["node-0", "node-1"]);
    expect(await elections[2]!.leader()).toBe("node-1");
    const h1 = await campaigns[1]!;
    await h1.release();
    await flush();
    expect(won).toEqual(["node-0", "node-1", "node-2"]);
    expect(elections[1]!.dir).toBe("/election");
  });
});

describe("barrier", () => {
  it("holds waiters until removed", async () => {
    const cluster = EnsembleCluster.started({ seed: 25 });
    const [a, b, c] = await clients(cluster, 3);
    const barrier = new Barrier(a!, "/gate");
    await barrier.set();
    await barrier.set(); // idempotent
    let through = 0;
    const waits = [b!, c!].map((x) => new Barrier(x, "/gate").wait().then(() => through++));
    await flush();
    expect(through).toBe(0);
    await barrier.remove();
    await Promise.all(waits);
    expect(through).toBe(2);
    await new Barrier(b!, "/gate").wait(); // already down: returns at once
    await barrier.remove(); // idempotent
  });
});
