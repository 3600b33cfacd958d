// Snapshots of a replica's tree: the binary encoding (version 2) and its decoder's refusals, version 1 still read,
// and the encoding a slice at a time, which must stand for the tree as of the snapshot's start however the tree is
// written while it runs (node preimages). The expected tree is taken with cloneTree at the start: an independent
// deep copy, never the encoder's output.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EnsembleClient, EnsembleCluster } from "../../src/adapters/zk-ensemble/index.js";
import * as raft from "../../src/core/raft/index.js";
import type { Acl, WriteRequest, ZkTree } from "../../src/core/zk/index.js";
import { OPEN_ACL_UNSAFE, applyTransaction, cloneTree, createTree, utf8 } from "../../src/core/zk/index.js";
import { EnsembleCodecError, decodeSnapshot, encodeFrame, encodeSnapshot, replicaTree, treeDigest } from "../../src/core/zk-ensemble/index.js";
import { snapshotThreshold } from "../../src/core/zk-ensemble/apply.js";
import { beginSnapshot, continueSnapshot, copySnapshotEncoding } from "../../src/core/zk-ensemble/snapshot.js";

const SEED = Number(process.env.QUORATE_SEED ?? 20261206);
const replay = `QUORATE_SEED=${SEED} npx vitest run test/zk-ensemble/snapshot.test.ts`;

/** Every node as [path, fields with children in order]: compares map order and children order too. */
function rows(tree: ZkTree): unknown[] {
  return Array.from(tree.nodes, ([path, n]) => [path, { ...n, children: [...n.children] }]);
}

const PATHS = ["/a", "/b", "/a/x", "/a/y", "/b/z"];
const READ_ONLY: readonly Acl[] = [{ perms: 1, scheme: "world", id: "anyone" }];

const plainCreate = fc.record({
  type: fc.constant("create" as const),
  opcode: fc.constant(1 as const),
  path: fc.constantFrom(...PATHS),
  data: fc.uint8Array({ maxLength: 40 }).map((b) => new Uint8Array(b)),
  acl: fc.constant(OPEN_ACL_UNSAFE),
  flags: fc.constant(0),
  ttl: fc.constant(-1),
});
const anyCreate = fc.record({
  type: fc.constant("create" as const),
  opcode: fc.constantFrom(1 as const, 15 as const, 19 as const, 21 as const),
  path: fc.constantFrom(...PATHS),
  data: fc.option(fc.uint8Array({ maxLength: 40 }).map((b) => new Uint8Array(b)), { nil: null }),
  acl: fc.constantFrom(OPEN_ACL_UNSAFE, READ_ONLY),
  flags: fc.constantFrom(0, 1, 2, 4, 5),
  ttl: fc.constantFrom(-1, 5000),
});

// Mostly plain creates, so that parents exist and deletes find childless nodes under a parent not yet encoded.
const writeArb: fc.Arbitrary<WriteRequest> = fc.oneof(
  { arbitrary: plainCreate, weight: 4 },
  { arbitrary: anyCreate, weight: 1 },
  { arbitrary: fc.record({ type: fc.constant("delete" as const), path: fc.constantFrom(...PATHS), version: fc.constant(-1) }), weight: 3 },
  fc.record({ type: fc.constant("setData" as const), path: fc.constantFrom("/", ...PATHS), data: fc.uint8Array({ maxLength: 40 }).map((b) => new Uint8Array(b)), version: fc.constant(-1) }),
  fc.record({ type: fc.constant("setACL" as const), path: fc.constantFrom(...PATHS), acl: fc.constantFrom(OPEN_ACL_UNSAFE, READ_ONLY), version: fc.constant(-1) }),
  fc.record({
    type: fc.constant("multi" as const),
    ops: fc.array(
      fc.oneof(
        fc.record({ type: fc.constant("create" as const), opcode: fc.constant(1 as const), path: fc.constantFrom(...PATHS), data: fc.constant(utf8("m")), acl: fc.constant(OPEN_ACL_UNSAFE), flags: fc.constant(0), ttl: fc.constant(-1) }),
        fc.record({ type: fc.constant("delete" as const), path: fc.constantFrom(...PATHS), version: fc.constant(-1) }),
        fc.record({ type: fc.constant("setData" as const), path: fc.constantFrom(...PATHS), data: fc.constant(utf8("n")), version: fc.constant(-1) }),
      ),
      { maxLength: 4 },
    ),
  }),
) as fc.Arbitrary<WriteRequest>;

/** Applies `writes` as session 7's transactions after the tree's last zxid (the session is opened first if needed). */
function apply(tree: ZkTree, writes: readonly WriteRequest[]): void {
  if (!tree.sessions.has(7)) applyTransaction(tree, { zxid: tree.lastZxid + 1, time: 1000, sessionId: 7, auth: [], request: { type: "createSession", sessionId: 7, password: "pw", timeoutMs: 4000 } });
  for (const request of writes) applyTransaction(tree, { zxid: tree.lastZxid + 1, time: 1000 + tree.lastZxid, sessionId: 7, auth: [], request });
}

/** Runs an encoding in slices of `slice` bytes, applying `perSlice` of `during` after each slice; returns the bytes. */
function encodeWhileWriting(tree: ZkTree, lastXid: Map<number, number>, slice: number, perSlice: number, during: readonly WriteRequest[]): Uint8Array {
  const e = beginSnapshot({ tree, lastXid }, tree.lastZxid);
  let i = 0;
  for (;;) {
    const bytes = continueSnapshot(e, slice);
    if (bytes !== undefined) return bytes;
    apply(tree, during.slice(i, i + perSlice));
    i += perSlice;
    lastXid.set(7, 1000 + i); // the live marks move on; the snapshot keeps the ones of its start
  }
}

describe("a snapshot encoded a slice at a time", () => {
  it("stands for the tree as of its start, whatever is written while it is encoded", () => {
    fc.assert(
      fc.property(fc.array(writeArb, { maxLength: 25 }), fc.array(writeArb, { minLength: 1, maxLength: 25 }), fc.integer({ min: 1, max: 120 }), fc.integer({ min: 1, max: 6 }), (before, during, slice, perSlice) => {
        const tree = createTree();
        apply(tree, before);
        const lastXid = new Map([[7, 3]]);
        const expected = cloneTree(tree);
        const bytes = encodeWhileWriting(tree, lastXid, slice, perSlice, during);
        const restored = decodeSnapshot(bytes);
        expect(rows(restored.tree)).toEqual(rows(expected));
        expect([...restored.tree.sessions.values()]).toEqual([...expected.sessions.values()]);
        expect(restored.tree.lastZxid).toBe(expected.lastZxid);
        expect([...restored.lastXid]).toEqual([[7, 3]]);
        expect(tree.preimages, "the tree stops keeping preimages once the snapshot is written").toBeUndefined();
      }),
      { seed: SEED, numRuns: 300, reporter: (d) => { if (d.failed) throw new Error(`${fc.defaultReportMessage(d)}\nreplay: ${replay}`); } },
    );
  });

  it("teeth: without the preimages, a write made while encoding leaks into the snapshot", () => {
    const tree = createTree();
    apply(tree, [{ type: "create", opcode: 1, path: "/a", data: utf8("old"), acl: OPEN_ACL_UNSAFE, flags: 0, ttl: -1 }, { type: "create", opcode: 1, path: "/b", data: utf8("old"), acl: OPEN_ACL_UNSAFE, flags: 0, ttl: -1 }]);
    const expected = cloneTree(tree);
    const e = beginSnapshot({ tree, lastXid: new Map() }, tree.lastZxid);
    tree.preimages = undefined; // the mutant: writes no longer keep what they overwrite
    expect(continueSnapshot(e, 1)).toBeUndefined();
    apply(tree, [{ type: "setData", path: "/b", data: utf8("new"), version: -1 }]);
    let bytes: Uint8Array | undefined;
    while ((bytes = continueSnapshot(e, 1)) === undefined);
    expect(rows(decodeSnapshot(bytes).tree)).not.toEqual(rows(expected));
    expect(decodeSnapshot(bytes).tree.nodes.get("/b")?.data).toEqual(utf8("new"));
  });

  it("a copy taken half-way continues on its own to the same bytes", () => {
    const tree = createTree();
    apply(tree, PATHS.map((path) => ({ type: "create", opcode: 1, path, data: utf8(path), acl: OPEN_ACL_UNSAFE, flags: 0, ttl: -1 }) as WriteRequest));
    const whole = encodeSnapshot({ tree, lastXid: new Map([[7, 9]]) });
    const e = beginSnapshot({ tree, lastXid: new Map([[7, 9]]) }, tree.lastZxid);
    expect(continueSnapshot(e, 30)).toBeUndefined();
    const copy = copySnapshotEncoding(e);
    const fromOriginal = continueSnapshot(e, Infinity);
    let fromCopy: Uint8Array | undefined;
    while ((fromCopy = continueSnapshot(copy, 7)) === undefined);
    expect(fromOriginal).toEqual(whole);
    expect(fromCopy).toEqual(whole);
  });
});

describe("the snapshot encoding (version 2)", () => {
  function sample(): Uint8Array {
    const tree = createTree();
    apply(tree, [
      { type: "create", opcode: 1, path: "/a", data: utf8("d"), acl: OPEN_ACL_UNSAFE, flags: 0, ttl: -1 },
      { type: "create", opcode: 1, path: "/a/e", data: null, acl: OPEN_ACL_UNSAFE, flags: 1, ttl: -1 },
      { type: "create", opcode: 19, path: "/c", data: null, acl: READ_ONLY, flags: 4, ttl: -1 },
      { type: "create", opcode: 21, path: "/t", data: utf8("ttl"), acl: OPEN_ACL_UNSAFE, flags: 5, ttl: 5000 },
    ]);
    return encodeSnapshot({ tree, lastXid: new Map([[7, 4]]) });
  }

  it("starts with its magic and version, and keeps every kind of node", () => {
    const bytes = sample();
    expect([...bytes.subarray(0, 5)]).toEqual([0x51, 0x5a, 0x4b, 0x53, 2]); // "QZKS", version 2
    const tree = decodeSnapshot(bytes).tree;
    expect(tree.nodes.get("/c")?.acl).toEqual(READ_ONLY);
    expect(tree.nodes.get("/a")?.data).toEqual(utf8("d"));
    expect(tree.nodes.get("/a/e")?.owner).toEqual({ kind: "ephemeral", session: 7 });
    expect([...tree.ephemerals]).toEqual([[7, new Set(["/a/e"])]]);
    expect([...tree.containers]).toEqual(["/c"]);
    expect([...tree.ttls]).toEqual(["/t"]);
    expect(tree.nodes.get("/t")?.owner).toEqual({ kind: "ttl", ttl: 5000 });
  });

  it("refuses every truncation and any other version with a typed error", () => {
    const bytes = sample();
    for (let cut = 1; cut < bytes.length; cut++) expect(() => decodeSnapshot(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(EnsembleCodecError);
    const other = bytes.slice();
    other[4] = 3;
    expect(() => decodeSnapshot(other)).toThrow(/version 3/);
    expect(() => decodeSnapshot(new Uint8Array([...bytes, 0]))).toThrow(/bytes after/);
    // A count no snapshot of this size can hold is refused before anything is allocated for it.
    const huge = new Uint8Array([0x51, 0x5a, 0x4b, 0x53, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(() => decodeSnapshot(huge)).toThrow(/cannot fit/);
  });

  it("never throws anything but its typed error on corrupted bytes", () => {
    const bytes = sample();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (flips) => {
        const corrupt = bytes.slice();
        for (const [at, value] of flips) corrupt[at] = value;
        try {
          decodeSnapshot(corrupt);
        } catch (e) {
          expect(e).toBeInstanceOf(EnsembleCodecError);
        }
      }),
      { seed: SEED, numRuns: 500, reporter: (d) => { if (d.failed) throw new Error(`${fc.defaultReportMessage(d)}\nreplay: ${replay}`); } },
    );
  });

  it("still reads version 1 (the JSON-headed frame written before)", () => {
    const data = utf8("one");
    const v1 = encodeFrame({
      v: 1,
      lastZxid: 9,
      nodes: [
        ["/", null, OPEN_ACL_UNSAFE, 0, 0, 0, 0, 0, 0, 0, 0, { kind: "persistent" }, ["k"]],
        ["/k", data, OPEN_ACL_UNSAFE, 9, 9, 9, 5, 5, 0, 0, 0, { kind: "ephemeral", session: 3 }, []],
      ],
      sessions: [{ id: 3, password: "p", timeoutMs: 4000 }],
      lastXid: [[3, 2]],
    });
    const restored = decodeSnapshot(v1);
    expect(restored.tree.nodes.get("/k")?.data).toEqual(data);
    expect([...restored.tree.ephemerals]).toEqual([[3, new Set(["/k"])]]);
    expect([...restored.lastXid]).toEqual([[3, 2]]);
    expect(restored.tree.lastZxid).toBe(9);
  });
});

describe("an ensemble whose snapshots take many ticks", () => {
  it("compacts its log, and a replica that was down catches up and restarts from the sliced snapshot", async () => {
    const cluster = EnsembleCluster.started({ seed: 41, replica: { snapshotEvery: 5, snapshotSliceBytes: 1 } });
    const leaderId = cluster.leader()!;
    const down = cluster.ids.find((id) => id !== leaderId)!;
    const c = await EnsembleClient.connect(cluster, { replica: leaderId, timeoutMs: 400 });
    cluster.crash(down);
    let seenInProgress = 0;
    for (let i = 0; i < 30; i++) {
      await c.create(`/n${i}`, `${i}`);
      await c.setData("/n0", `v${i}`);
      if (cluster.replica(leaderId)!.snapshotting !== undefined) seenInProgress++;
    }
    expect(seenInProgress, "a snapshot was still being encoded after some write").toBeGreaterThan(0);
    cluster.tick(100);
    expect(cluster.replica(leaderId)!.snapshotting, "a tick encodes a slice: 100 of them finish a snapshot of 30 nodes").toBeUndefined();
    // The next snapshot starts with the next entry applied (the log is then more than snapshotEvery past the last).
    await c.create("/last");
    cluster.tick(100);
    expect(raft.snapshotIndex(cluster.replica(leaderId)!.raft)).toBeGreaterThan(20);
    cluster.restart(down);
    cluster.tick(40);
    const leader = replicaTree(cluster.replica(leaderId)!);
    expect(treeDigest(replicaTree(cluster.replica(down)!))).toBe(treeDigest(leader));
    cluster.crash(down);
    cluster.restart(down);
    cluster.tick(40);
    expect(treeDigest(replicaTree(cluster.replica(down)!))).toBe(treeDigest(leader));
  });
});

describe("snapshot points (ZooKeeper's snapCount/2 + a random share of the other half)", () => {
  it("fall between half of snapshotEvery (exclusive) and all of it, for any seed, replica and last snapshot", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.maxSafeNat(), fc.integer({ min: 1, max: 255 }), fc.maxSafeNat(), (every, seed, replica, last) => {
        const t = snapshotThreshold(every, seed, replica, last);
        expect(Number.isSafeInteger(t)).toBe(true);
        expect(t).toBeGreaterThan(Math.floor(every / 2));
        expect(t).toBeLessThanOrEqual(every);
      }),
      { seed: SEED, numRuns: 2000, reporter: (d) => { if (d.failed) throw new Error(`${fc.defaultReportMessage(d)}\nreplay: ${replay}`); } },
    );
  });

  it("spread over the whole range, and differ between the members of an ensemble", () => {
    const points = Array.from({ length: 2000 }, (_, k) => snapshotThreshold(100_000, 7, 1, k * 61_000));
    expect(Math.min(...points)).toBeLessThan(52_000);
    expect(Math.max(...points)).toBeGreaterThan(98_000);
    const quarters = [0, 0, 0, 0];
    for (const p of points) quarters[Math.min(3, Math.floor((p - 50_001) / 12_500))]!++;
    for (const q of quarters) expect(q, `quarters ${quarters.join(" ")}`).toBeGreaterThan(400);
    const members = [1, 2, 3].map((id) => snapshotThreshold(100_000, 7, id, 0));
    expect(new Set(members).size, `members' points ${members.join(" ")}`).toBe(3);
  });

  it("an ensemble's members compact their logs at different indexes", async () => {
    const cluster = EnsembleCluster.started({ seed: 43, replica: { snapshotEvery: 40 } });
    const c = await EnsembleClient.connect(cluster, { replica: cluster.leader()!, timeoutMs: 400 });
    for (let i = 0; i < 120; i++) await c.create(`/n${i}`, `${i}`);
    cluster.tick(20);
    const indexes = cluster.ids.map((id) => raft.snapshotIndex(cluster.replica(id)!.raft));
    for (const index of indexes) expect(index).toBeGreaterThan(0);
    expect(new Set(indexes).size, `snapshot indexes ${indexes.join(" ")}`).toBeGreaterThan(1);
  });
});
