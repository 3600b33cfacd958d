/**
 * Three KV service nodes in one process on loopback ports with real storage, driven over HTTP/JSON like etcd:
 * put, linearizable range, txn compare-and-set, deleterange, forwarding from a follower, malformed requests.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KvService } from "../../src/adapters/kv/index.js";

const b = (s: string): string => Buffer.from(s).toString("base64");
const unb = (s: string): string => Buffer.from(s, "base64").toString();
let nodes: KvService[] = [];
const dirs: string[] = [];

async function post(node: KvService, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${node.clientPort}${path}`, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function waitFor(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  // Client ports are fixed up front so every node knows where to forward: pick free ones by binding port 0 first.
  const started: KvService[] = [];
  for (const id of [1, 2, 3]) {
    const dir = await mkdtemp(join(tmpdir(), `quorate-kv-${id}-`));
    dirs.push(dir);
    started.push(await KvService.start({ id, clusterId: "kv", voters: [1, 2, 3], dataDir: dir, tickMs: 20, client: { host: "127.0.0.1", port: 0 }, log: () => undefined }));
  }
  nodes = started;
  const clients = new Map(nodes.map((n, i) => [i + 1, `127.0.0.1:${n.clientPort}`]));
  for (const n of nodes) {
    for (const [id, address] of clients) n.setClientAddress(id, address);
    for (const [i, m] of nodes.entries()) if (m !== n) n.raftNode.setPeer(i + 1, { host: "127.0.0.1", port: m.raftNode.port });
  }
  await waitFor("a leader", () => nodes.some((n) => n.status().role === "leader"));
}, 30_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const leader = (): KvService => nodes.find((n) => n.status().role === "leader")!;
const follower = (): KvService => nodes.find((n) => n.status().role !== "leader")!;

describe("KV service over HTTP/JSON", () => {
  it("put then a linearizable range sees it with etcd's revisions, on the leader and through a follower", async () => {
    const put = await post(leader(), "/v3/kv/put", { key: b("foo"), value: b("bar") });
    expect(put.status).toBe(200);
    const rev = Number((put.json.header as { revision: string }).revision);
    expect(rev).toBeGreaterThan(0);
    for (const n of [leader(), follower()]) {
      const r = await post(n, "/v3/kv/range", { key: b("foo") });
      expect(r.status).toBe(200);
      const kvs = r.json.kvs as { key: string; value: string; mod_revision: string; version: string }[];
      expect(kvs.map((kv) => [unb(kv.key), unb(kv.value), kv.mod_revision, kv.version])).toEqual([["foo", "bar", String(rev), "1"]]);
      expect(r.json.count).toBe("1");
    }
  });

  it("a write through a follower is forwarded to the leader and applied", async () => {
    const w = await post(follower(), "/v3/kv/put", { key: b("via"), value: b("follower") });
    expect(w.status).toBe(200);
    const r = await post(leader(), "/v3/kv/range", { key: b("via") });
    expect(unb((r.json.kvs as { value: string }[])[0]!.value)).toBe("follower");
  });

  it("txn compare-and-set on value and mod_revision", async () => {
    await post(leader(), "/v3/kv/put", { key: b("reg"), value: b("1") });
    const cas = (from: string, to: string) => post(leader(), "/v3/kv/txn", { compare: [{ key: b("reg"), target: "VALUE", result: "EQUAL", value: b(from) }], success: [{ request_put: { key: b("reg"), value: b(to) } }], failure: [{ request_range: { key: b("reg") } }] });
    expect((await cas("1", "2")).json.succeeded).toBe(true);
    const lost = await cas("1", "3");
    expect(lost.json.succeeded).toBeUndefined();
    const kvs = ((lost.json.responses as { response_range: { kvs: { value: string; mod_revision: string }[] } }[])[0]!.response_range.kvs);
    expect(unb(kvs[0]!.value)).toBe("2");
    const byRev = await post(leader(), "/v3/kv/txn", { compare: [{ key: b("reg"), target: "MOD", mod_revision: kvs[0]!.mod_revision }], success: [{ request_delete_range: { key: b("reg") } }] });
    expect(byRev.json.succeeded).toBe(true);
    expect((byRev.json.responses as { response_delete_range: { deleted: string } }[])[0]!.response_delete_range.deleted).toBe("1");
  });

  it("deleterange over a prefix range", async () => {
    for (const k of ["p/1", "p/2", "q"]) await post(leader(), "/v3/kv/put", { key: b(k), value: b("x") });
    const d = await post(leader(), "/v3/kv/deleterange", { key: b("p/"), range_end: b("p0") });
    expect(d.json.deleted).toBe("2");
    expect((await post(leader(), "/v3/kv/range", { key: b("q") })).json.count).toBe("1");
  });

  it("malformed requests get a 4xx JSON error and the node keeps serving", async () => {
    for (const body of ["{", "null", JSON.stringify({ key: 7 }), "x".repeat(100)]) {
      const r = await post(follower(), "/v3/kv/put", body);
      expect(r.status, body).toBe(400);
      expect(typeof r.json.error).toBe("string");
    }
    expect((await fetch(`http://127.0.0.1:${leader().clientPort}/v3/nope`, { method: "POST", body: "{}" })).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${leader().clientPort}/v3/kv/put`)).status).toBe(405);
    expect((await post(leader(), "/v3/kv/put", { key: b("still"), value: b("ok") })).status).toBe(200);
  });

  it("GET /status reports the peer transport's counters: drops by cause and what is queued for each peer", async () => {
    const n = leader();
    const res = await fetch(`http://127.0.0.1:${n.clientPort}/status`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { role: string; peers: { dropped: Record<string, number>; queued: Record<string, { frames: number; bytes: number }>; peakQueuedBytes: number } };
    expect(body.role).toBe("leader");
    expect(Object.keys(body.peers.dropped).sort()).toEqual(["noPeer", "oversized", "queueFull", "unreachable"]);
    const self = nodes.indexOf(n) + 1;
    expect(Object.keys(body.peers.queued).map(Number).sort()).toEqual([1, 2, 3].filter((id) => id !== self));
    for (const q of Object.values(body.peers.queued)) expect(q.bytes).toBeGreaterThanOrEqual(0);
    // The leader has sent appends by now: something was queued for a peer at some point.
    expect(body.peers.peakQueuedBytes).toBeGreaterThan(0);
  });
});
