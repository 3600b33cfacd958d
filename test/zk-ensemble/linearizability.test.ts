// Client histories of the replicated service — concurrent sessions, messages delivered in random order, lost,
// a replica crashing and restarting — pass the linearizability checker with the znode model (writes, and reads
// issued as linearizable reads). The model and checker have teeth: a corrupted history and plain
// (sequentially consistent) reads from a lagging follower are refused.
import { describe, expect, it } from "vitest";
import { EnsembleClient, EnsembleCluster, znodeModel } from "../../src/adapters/zk-ensemble/index.js";
import type { JepsenInput, JepsenOutput, Operation } from "../../src/check/linearizability/index.js";
import { checkLinearizability } from "../../src/check/linearizability/index.js";
import { Code, ZkError, fromUtf8 } from "../../src/core/zk/index.js";
import { seededRandom } from "../support/seeded-random.js";

type Op = Operation<JepsenInput, JepsenOutput>;

const settleMicrotasks = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

/** Runs `clients` sessions doing random ops on two paths under a random schedule; returns the history. */
async function randomHistory(seed: number, steps: number, clients = 4, batchProposals = false): Promise<{ history: Op[]; completed: number }> {
  const rnd = seededRandom(seed);
  const cluster = EnsembleCluster.started({ seed, delivery: "queue", ...(batchProposals ? { replica: { batchProposals } } : {}) });
  let clock = 0;
  const sessions: EnsembleClient[] = [];
  for (let i = 0; i < clients; i++) {
    const p = EnsembleClient.connect(cluster, { replica: cluster.ids[i % 3]!, timeoutMs: 400 });
    cluster.settle();
    sessions.push(await p);
  }
  const history: Op[] = [];
  const busy = sessions.map(() => false);
  let completed = 0;
  let n = 0;
  const issue = (c: number) => {
    const client = sessions[c]!;
    const key = rnd() < 0.5 ? "/a" : "/b";
    const r = rnd();
    const value = `v${++n}`;
    let input: JepsenInput;
    let run: () => Promise<JepsenOutput>;
    const definite = (e: unknown, codes: string[]): JepsenOutput => {
      if (e instanceof ZkError && codes.includes(e.codeName)) return { type: "fail", value: e.codeName };
      throw e;
    };
    if (r < 0.35) {
      input = { f: "read", key, value: null };
      run = () =>
        client.getData(key, { linearizable: true }).then(
          (g) => ({ type: "ok", value: [g.data === null ? "" : fromUtf8(g.data), g.stat.version] }),
          (e: unknown) => {
            if (e instanceof ZkError && e.code === Code.NONODE) return { type: "ok", value: null };
            throw e;
          },
        );
    } else if (r < 0.55) {
      input = { f: "create", key, value };
      run = () => client.create(key, value).then(() => ({ type: "ok", value: null }), (e: unknown) => definite(e, ["NODEEXISTS"]));
    } else if (r < 0.85) {
      const version = rnd() < 0.5 ? -1 : Math.floor(rnd() * 3);
      input = { f: "set", key, value: [value, version] };
      run = () => client.setData(key, value, version).then((s) => ({ type: "ok", value: s.stat.version }), (e: unknown) => definite(e, ["NONODE", "BADVERSION"]));
    } else {
      const version = rnd() < 0.6 ? -1 : Math.floor(rnd() * 3);
      input = { f: "delete", key, value: version };
      run = () => client.delete(key, version).then(() => ({ type: "ok", value: null }), (e: unknown) => definite(e, ["NONODE", "BADVERSION"]));
    }
    busy[c] = true;
    const call = clock;
    run().then(
      (output) => {
        history.push({ process: c, input, output, call, return: clock });
        completed++;
        busy[c] = false;
      },
      () => {
        // Connection loss (or the session ended): the op may or may not have taken effect.
        history.push({ process: `${c}-${call}`, input, output: undefined, call, return: Infinity });
        busy[c] = false;
      },
    );
  };
  let crashed = 0;
  for (let step = 0; step < steps; step++) {
    clock++;
    const x = rnd();
    const idle = busy.map((b, c) => (b ? -1 : c)).filter((c) => c >= 0 && sessions[c]!.state !== "suspended" && sessions[c]!.state !== "expired");
    if (x < 0.3 && idle.length > 0) issue(idle[Math.floor(rnd() * idle.length)]!);
    else if (x < 0.85 && cluster.inFlight > 0) cluster.deliverOne(Math.floor(rnd() * cluster.inFlight));
    else if (x < 0.87 && cluster.inFlight > 0) cluster.dropOne(Math.floor(rnd() * cluster.inFlight));
    else cluster.tick();
    // Batching leaders hold their proposals until the schedule ends their turn.
    if (batchProposals && rnd() < 0.3) cluster.flush();
    if (step === Math.floor(steps / 3)) {
      crashed = cluster.leader() ?? 1;
      cluster.crash(crashed);
    }
    if (step === Math.floor((2 * steps) / 3)) cluster.restart(crashed);
    await settleMicrotasks();
  }
  return { history, completed };
}

describe("client histories are linearizable (znode model, linearizable reads)", () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}`, async () => {
      const { history, completed } = await randomHistory(seed, 3000);
      expect(completed, "the workload made progress").toBeGreaterThan(40);
      const result = checkLinearizability(history, znodeModel(), { timeoutMs: 20_000 });
      expect(result.verdict, `replay: seed ${seed} in test/zk-ensemble/linearizability.test.ts`).toBe("linearizable");
    });
  }

  for (const seed of [4, 5]) {
    it(`seed ${seed}, leaders batching their proposals`, async () => {
      const { history, completed } = await randomHistory(seed, 3000, 4, true);
      expect(completed, "the workload made progress").toBeGreaterThan(40);
      const result = checkLinearizability(history, znodeModel(), { timeoutMs: 20_000 });
      expect(result.verdict, `replay: seed ${seed} (batching) in test/zk-ensemble/linearizability.test.ts`).toBe("linearizable");
    });
  }

  it("the checker refuses the same history with one read's value changed", async () => {
    const { history } = await randomHistory(1, 3000);
    const i = history.findIndex((op) => op.input.f === "read" && op.output?.type === "ok" && Array.isArray(op.output.value));
    expect(i).toBeGreaterThanOrEqual(0);
    const op = history[i]!;
    const [data, version] = op.output!.value as [string, number];
    const broken = [...history];
    broken[i] = { ...op, output: { type: "ok", value: [`${data}-corrupt`, version] } };
    expect(checkLinearizability(broken, znodeModel(), { timeoutMs: 20_000 }).verdict).toBe("not-linearizable");
  });

  it("plain reads from a lagging follower are not linearizable, and the checker says so", async () => {
    const cluster = EnsembleCluster.started({ seed: 8, delivery: "queue" });
    const leaderId = cluster.leader()!;
    const lagging = cluster.ids.find((id) => id !== leaderId)!;
    const wp = EnsembleClient.connect(cluster, { replica: leaderId });
    const rp = EnsembleClient.connect(cluster, { replica: lagging });
    cluster.settle();
    const [writer, reader] = [await wp, await rp];
    const history: Op[] = [];
    const created = writer.create("/a", "old");
    cluster.settle();
    await created;
    history.push({ process: 0, input: { f: "create", key: "/a", value: "old" }, output: { type: "ok", value: null }, call: 0, return: 1 });
    cluster.cut(leaderId, lagging);
    const set = writer.setData("/a", "new");
    cluster.settle();
    history.push({ process: 0, input: { f: "set", key: "/a", value: ["new", -1] }, output: { type: "ok", value: (await set).stat.version }, call: 2, return: 3 });
    const stale = reader.getData("/a"); // sequentially consistent: served from the follower's own tree
    cluster.settle();
    const g = await stale;
    history.push({ process: 1, input: { f: "read", key: "/a", value: null }, output: { type: "ok", value: [fromUtf8(g.data!), g.stat.version] }, call: 4, return: 5 });
    expect(checkLinearizability(history, znodeModel()).verdict).toBe("not-linearizable");
  });

  it("the model's definite failures and unknown outcomes", () => {
    const m = znodeModel();
    const s0 = m.init();
    expect(m.step(s0, { f: "create", key: "/x", value: "d" }, { type: "fail", value: "NODEEXISTS" })).toBeUndefined();
    const s1 = m.step(s0, { f: "create", key: "/x", value: "d" }, undefined)!;
    expect(s1).toEqual(["d", 0]);
    expect(m.step(s1, { f: "set", key: "/x", value: ["e", 3] }, { type: "fail", value: "BADVERSION" })).toEqual(s1);
    expect(m.step(s1, { f: "set", key: "/x", value: ["e", 0] }, { type: "fail", value: "BADVERSION" })).toBeUndefined();
    expect(m.step(s1, { f: "set", key: "/x", value: ["e", 0] }, { type: "ok", value: 2 })).toBeUndefined();
    expect(m.step(s1, { f: "delete", key: "/x", value: 0 }, { type: "ok", value: null })).toBeNull();
    expect(m.step(null, { f: "delete", key: "/x", value: -1 }, { type: "fail", value: "NONODE" })).toBeNull();
    expect(m.step(s1, { f: "read", key: "/x", value: null }, undefined)).toBeUndefined();
    expect(m.describeState(s1)).toBe('"d" v0');
    expect(m.describeOperation({ f: "set", key: "/x", value: ["e", -1] }, { type: "fail", value: "NONODE" })).toContain("NONODE");
  });
});
