// Fuzz: random and mutated frames (seeded) thrown at a running server for a fixed number of connections, while a
// well-behaved node-zookeeper-client keeps working. The server must not crash, log no internal error, keep the tree
// invariants, and keep serving the good client. The same against a 3-member ensemble (the replicated core in this
// process, a wire server in front of each member), where the members must also keep one tree.
// Replay: ZKWIRE_FUZZ_SEED=<seed> npx vitest run test/zk-wire/fuzz.test.ts --coverage=false
import { afterEach, describe, expect, it } from "vitest";
import { assertTreeInvariants } from "../../src/core/zk/index.js";
import type { ServiceBackend } from "../../src/adapters/zk-wire/backend.js";
import type { ZkWireServer } from "../../src/adapters/zk-wire/server.js";
import { backendFor, startZkWireServer } from "../../src/adapters/zk-wire/server.js";
import type { SimulatedEnsemble } from "../../src/adapters/zk-wire/simulated-ensemble.js";
import { startSimulatedEnsemble } from "../../src/adapters/zk-wire/simulated-ensemble.js";
import { replicaTree, treeDigest } from "../../src/core/zk-ensemble/index.js";
import { concat, connectFrame, exchange, requestFrame, startTestServer, testConfig } from "./harness.js";
import { Nzk } from "./nzk.js";
import { seededRandom } from "../support/seeded-random.js";

const seed = process.env.ZKWIRE_FUZZ_SEED === undefined ? 15_2026 : Number(process.env.ZKWIRE_FUZZ_SEED);
const CONNECTIONS = 600;
const BATCH = 25;

const acl = (w: import("../../src/adapters/zk-wire/jute.js").JuteWriter) => w.int(1).int(31).ustring("world").ustring("anyone");
/** Well-formed requests the mutations start from: every opcode family. */
const templates: Uint8Array[] = [
  requestFrame(1, 1, (w) => acl(w.ustring("/f").buffer(Uint8Array.of(1, 2))).int(0)),
  requestFrame(2, 15, (w) => acl(w.ustring("/f/s").buffer(null)).int(3)),
  requestFrame(3, 21, (w) => acl(w.ustring("/ttl").buffer(null)).int(5).long(100)),
  requestFrame(4, 19, (w) => acl(w.ustring("/c").buffer(null)).int(4)),
  requestFrame(5, 2, (w) => w.ustring("/f").int(-1)),
  requestFrame(6, 3, (w) => w.ustring("/f").bool(true)),
  requestFrame(7, 4, (w) => w.ustring("/f").bool(true)),
  requestFrame(8, 5, (w) => w.ustring("/f").buffer(Uint8Array.of(9)).int(-1)),
  requestFrame(9, 6, (w) => w.ustring("/f")),
  requestFrame(10, 7, (w) => acl(w.ustring("/f")).int(-1)),
  requestFrame(11, 8, (w) => w.ustring("/").bool(true)),
  requestFrame(12, 12, (w) => w.ustring("/").bool(true)),
  requestFrame(13, 9, (w) => w.ustring("/")),
  requestFrame(14, 14, (w) => acl(w.int(1).bool(false).int(-1).ustring("/m").buffer(null)).int(0).int(13).bool(false).int(-1).ustring("/m").int(0).int(-1).bool(true).int(-1)),
  requestFrame(15, 22, (w) => w.int(4).bool(false).int(-1).ustring("/").bool(false).int(-1).bool(true).int(-1)),
  requestFrame(-8, 105, (w) => w.long(0).strings(["/f"]).strings(["/g"]).strings(["/"]).strings(["/p"]).strings(["/r"])),
  requestFrame(16, 106, (w) => w.ustring("/").int(1)),
  requestFrame(17, 18, (w) => w.ustring("/").int(3)),
  requestFrame(18, 17, (w) => w.ustring("/").int(3)),
  requestFrame(19, 103, (w) => w.ustring("/")),
  requestFrame(20, 104, (w) => w.ustring("/")),
  requestFrame(21, 107),
  requestFrame(-4, 100, (w) => w.int(0).ustring("digest").buffer(new TextEncoder().encode("u:p"))),
  requestFrame(-2, 11),
  requestFrame(22, -11),
];

function mutate(bytes: Uint8Array, next: () => number): Uint8Array {
  const out = Uint8Array.from(bytes);
  const kind = Math.floor(next() * 5);
  if (kind === 0) {
    for (let i = 0; i < 1 + Math.floor(next() * 4); i++) out[Math.floor(next() * out.length)] = Math.floor(next() * 256);
    return out;
  }
  if (kind === 1) return out.subarray(0, Math.floor(next() * out.length));
  if (kind === 2) {
    // Rewrite the opcode with any int.
    new DataView(out.buffer).setInt32(8, Math.floor(next() * 2 ** 32) - 2 ** 31);
    return out;
  }
  if (kind === 3) {
    // Make the length prefix lie.
    new DataView(out.buffer).setInt32(0, Math.floor(next() * 2 ** 32) - 2 ** 31);
    return out;
  }
  // Flip the int at a random aligned position inside the body (lengths, counts, versions).
  const at = 12 + 4 * Math.floor((next() * Math.max(0, out.length - 16)) / 4);
  if (at + 4 <= out.length) new DataView(out.buffer).setInt32(at, [-1, -2, 0, 2 ** 31 - 1, 1_000_000][Math.floor(next() * 5)]!);
  return out;
}

function fuzzInput(next: () => number): Uint8Array {
  const r = next();
  if (r < 0.15) return Uint8Array.from({ length: Math.floor(next() * 64) }, () => Math.floor(next() * 256));
  if (r < 0.25) return mutate(connectFrame({ readOnly: next() < 0.5 }), next);
  if (r < 0.3) return new TextEncoder().encode(["ruok", "srvr", "mntr", "stat", "dump", "ru"][Math.floor(next() * 6)]!);
  const n = 1 + Math.floor(next() * 4);
  const parts = [connectFrame({ readOnly: next() < 0.5 })];
  for (let i = 0; i < n; i++) {
    const t = templates[Math.floor(next() * templates.length)]!;
    parts.push(next() < 0.7 ? mutate(t, next) : t);
  }
  return concat(...parts);
}

let server: ZkWireServer | undefined;
let ensemble: SimulatedEnsemble | undefined;
let good: Nzk | undefined;
afterEach(async () => {
  good?.raw.close();
  good = undefined;
  await server?.close();
  server = undefined;
  await ensemble?.close();
  ensemble = undefined;
});

/**
 * Runs the fuzz against the servers on `ports` (connections spread over them in turn; default `server`'s) with a
 * good client on the first; returns the servers' internal errors.
 */
async function fuzz(logs: string[], connections: number, ports: readonly number[] = [server!.port]): Promise<string[]> {
  good = await Nzk.connect(ports[0]!, 4000);
  await good.create("/good", Buffer.from("0"));
  const next = seededRandom(seed);
  const replay = `ZKWIRE_FUZZ_SEED=${seed} npx vitest run test/zk-wire/fuzz.test.ts --coverage=false`;
  for (let done = 0; done < connections; done += BATCH) {
    const inputs = Array.from({ length: BATCH }, () => fuzzInput(next));
    await Promise.all(inputs.map((bytes, k) => exchange(ports[k % ports.length]!, bytes, 40)));
    // The good client reads and writes between batches.
    const stat = await good.setData("/good", Buffer.from(String(done)));
    const [data] = await good.getData("/good");
    expect(data?.toString(), `seed ${seed}; replay: ${replay}`).toBe(String(done));
    expect(stat.version, replay).toBe(done / BATCH + 1);
  }
  return logs.filter((l) => l.includes("internal error"));
}

describe("zk-server fuzz", () => {
  it(`survives ${CONNECTIONS} connections of random and mutated frames while serving a good client (seed ${seed})`, async () => {
    let logs: string[];
    ({ server, logs } = await startTestServer({ maxFrameBytes: 4096 }));
    expect(await fuzz(logs, CONNECTIONS), `replay: ZKWIRE_FUZZ_SEED=${seed} npx vitest run test/zk-wire/fuzz.test.ts --coverage=false`).toEqual([]);
    assertTreeInvariants((server.backend as ServiceBackend).service.tree);
    expect((await good!.getChildren("/"))[0]).toContain("good");
  }, 120_000);

  it("has teeth: a mutant backend that throws on undecodable bodies is caught, and only its connections suffer", async () => {
    const logs: string[] = [];
    const backend = backendFor(testConfig({ maxFrameBytes: 4096 }), Date.now());
    backend.raw = () => {
      throw new Error("mutant: raw bodies crash");
    };
    server = await startZkWireServer({ config: testConfig({ maxFrameBytes: 4096 }), backend, log: (l) => logs.push(l) });
    const errors = await fuzz(logs, 200);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toContain("mutant: raw bodies crash");
  }, 120_000);

  it(`survives ${CONNECTIONS} connections of random and mutated frames spread over a 3-member ensemble, whose members keep one tree (seed ${seed})`, async () => {
    const logs: string[] = [];
    ensemble = await startSimulatedEnsemble({ config: testConfig({ maxFrameBytes: 4096 }), members: 3, log: (l) => logs.push(l) });
    const cluster = ensemble.cluster;
    cluster.tickUntil(() => cluster.leader() !== undefined, 10_000);
    // The good client on a follower; time stands still (nothing expires), every message is delivered at once.
    const follower = ensemble.members.find((m) => m.id !== cluster.leader())!;
    const ports = [follower, ...ensemble.members.filter((m) => m !== follower)].map((m) => m.server.port);
    expect(await fuzz(logs, CONNECTIONS, ports), `replay: ZKWIRE_FUZZ_SEED=${seed} npx vitest run test/zk-wire/fuzz.test.ts --coverage=false`).toEqual([]);
    const trees = cluster.ids.map((id) => replicaTree(cluster.replica(id)!));
    for (const tree of trees) assertTreeInvariants(tree);
    expect(new Set(trees.map((t) => treeDigest(t))).size).toBe(1);
    // The fuzz reached the replicated log: malformed writes and creates became transactions.
    expect(trees[0]!.lastZxid).toBeGreaterThan(CONNECTIONS / BATCH + 10);
    expect((await good!.getChildren("/"))[0]).toContain("good");
  }, 120_000);
});
