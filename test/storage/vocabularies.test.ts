/**
 * The Raft and KRaft vocabularies against the simulator's disk model: small in-process clusters of the real
 * cores (seeded loss, restarts, compaction) persist through `RaftStorage` / `KRaftStorage` on fault-free
 * in-memory disks; at every restart the recovered `PersistedState` must equal what the simulator's
 * `applyWrite` / `applyPersist` model made durable, and the core must accept it.
 */
import { describe, expect, it } from "vitest";
import * as raft from "../../src/core/raft/index.js";
import * as kraft from "../../src/core/kraft/index.js";
import { Prng } from "../../src/adapters/simulator/prng.js";
import { raftProtocol, type RaftDisk, type RaftWrite } from "../../src/adapters/simulator/raft-protocol.js";
import { applyPersist } from "../../src/adapters/simulator/kraft-protocol.js";
import { KRaftStorage, MemoryFileSystem, RaftStorage } from "../../src/adapters/storage/index.js";
import { encodePayload } from "../../src/adapters/storage/core-storage.js";
import { encodeBatch } from "../../src/adapters/storage/format.js";
import { entryBodyParts, writeEntryBody } from "../../src/adapters/codec/raft.js";

const quiet = (): void => undefined;
const DIR = "/d";

function raftDiskAsPersisted(d: RaftDisk): raft.PersistedState | undefined {
  // The simulator's rule: a disk with nothing on it restarts as a fresh node.
  if (d.hardState.term === 0 && d.entries.length === 0 && d.snapshot === undefined) return undefined;
  return d.snapshot === undefined ? { hardState: d.hardState, entries: d.entries } : { hardState: d.hardState, snapshot: d.snapshot, entries: d.entries };
}

async function raftRun(seed: number, steps: number): Promise<{ restarts: number; snapshots: number; truncations: number }> {
  const rng = new Prng(seed);
  const ids = [1, 2, 3];
  const proto = raftProtocol();
  const cfg = (id: number, applied = 0): raft.RaftConfig => ({ id, voters: ids, electionTick: 10, heartbeatTick: 1, preVote: true, checkQuorum: true, seed: seed * 10 + id, maxSizePerMsg: 200, applied });
  const fss = new Map(ids.map((id) => [id, new MemoryFileSystem()]));
  const disks = new Map(ids.map((id) => [id, proto.emptyDisk()]));
  const storages = new Map<number, RaftStorage>();
  const nodes = new Map<number, raft.RaftState>();
  /** Per node: the commit index of persists not written yet (see RaftStorage: it rides with the next write). */
  const pendingCommit = new Map(ids.map((id) => [id, 0]));
  for (const id of ids) {
    storages.set(id, (await RaftStorage.open({ fs: fss.get(id)!, dir: DIR, log: quiet })).storage);
    nodes.set(id, raft.createRaft(cfg(id)));
  }
  const queue: raft.Message[] = [];
  let restarts = 0;
  let snapshots = 0;
  let truncations = 0;
  const step = async (id: number, input: raft.Input): Promise<void> => {
    const r = raft.step(nodes.get(id)!, input);
    nodes.set(id, r.state);
    const later: raft.Input[] = [];
    for (const o of r.outputs) {
      if (o.type === "persist") {
        if (o.truncateFrom !== undefined) truncations++;
        if (o.snapshot !== undefined) snapshots++;
        const disk = disks.get(id)!;
        const hs = o.hardState;
        const acks = await storages.get(id)!.persist(o);
        if (hs !== undefined && hs.term === disk.hardState.term && hs.vote === disk.hardState.vote && o.entries === undefined && o.snapshot === undefined && o.truncateFrom === undefined) {
          // Only the commit index: not written on its own, no acknowledgement; it rides with the next write.
          expect(acks).toEqual([]);
          pendingCommit.set(id, Math.max(pendingCommit.get(id)!, hs.commit));
          continue;
        }
        const commit = Math.max(pendingCommit.get(id)!, hs?.commit ?? 0);
        const out = commit > disk.hardState.commit ? { ...o, hardState: { ...(hs ?? disk.hardState), commit } } : o;
        const w: RaftWrite = { out, applies: [], observed: undefined, ackIndex: 0, ackTerm: 0 };
        proto.applyWrite(disk, w);
        expect(acks.at(-1)).toEqual({ type: "persisted", index: w.ackIndex, term: w.ackTerm });
        later.push(...acks);
      } else if (o.type === "send") {
        if (!rng.chance(0.1)) queue.push(o.message);
      } else if (o.type === "apply") {
        const last = o.entries.at(-1)?.index ?? o.snapshot?.index;
        if (last !== undefined) later.push({ type: "applied", index: last });
      }
    }
    for (const i of later) await step(id, i);
    const applied = raft.appliedIndex(nodes.get(id)!);
    if (applied - raft.snapshotIndex(nodes.get(id)!) > 15 && rng.chance(0.3)) await step(id, { type: "snapshot", index: applied, data: Uint8Array.of(applied & 255, id) });
  };
  for (let s = 0; s < steps; s++) {
    const roll = rng.int(100);
    const id = ids[rng.int(3)]!;
    if (roll < 35) await step(id, { type: "tick" });
    else if (roll < 80 && queue.length > 0) {
      const m = queue.splice(rng.int(Math.min(queue.length, 4)), 1)[0]!;
      await step(m.to, { type: "message", message: m });
    } else if (roll < 95) {
      const leader = ids.find((x) => raft.role(nodes.get(x)!) === "leader");
      if (leader !== undefined) await step(leader, { type: "propose", data: Uint8Array.of(s & 255, (s >> 8) & 255) });
    } else {
      // Restart: recover from storage; it must equal the simulator's disk model, and the core must accept it.
      await storages.get(id)!.close();
      const { storage, persisted } = await RaftStorage.open({ fs: fss.get(id)!, dir: DIR, log: quiet });
      expect(persisted, `seed ${seed} step ${s} node ${id}`).toEqual(raftDiskAsPersisted(disks.get(id)!));
      storages.set(id, storage);
      pendingCommit.set(id, 0);
      nodes.set(id, raft.createRaft(cfg(id, persisted?.snapshot?.index ?? 0), persisted));
      restarts++;
    }
  }
  return { restarts, snapshots, truncations };
}

describe("Raft vocabulary (seeds 1..4; replay: npx vitest run test/storage/vocabularies.test.ts)", () => {
  it("recovers exactly the simulator disk model's content at every restart of a lossy 3-node cluster", async () => {
    const total = { restarts: 0, snapshots: 0, truncations: 0 };
    for (let seed = 1; seed <= 4; seed++) {
      const r = await raftRun(seed, 1500);
      total.restarts += r.restarts;
      total.snapshots += r.snapshots;
      total.truncations += r.truncations;
    }
    // The runs must exercise what the vocabulary maps: restarts, snapshots (local and installed), truncations.
    expect(total.restarts).toBeGreaterThan(50);
    expect(total.snapshots).toBeGreaterThan(5);
    expect(total.truncations).toBeGreaterThan(0);
  });
});

interface KDisk {
  quorumState: kraft.QuorumStateRecord;
  snapshot: kraft.Snapshot | undefined;
  entries: kraft.Entry[];
}

async function kraftRun(seed: number, steps: number): Promise<{ restarts: number; snapshots: number }> {
  const rng = new Prng(seed);
  const ids = [1, 2, 3];
  const cfg = (id: number): kraft.KRaftConfig => ({ id, voters: ids, seed: seed * 10 + id });
  const fss = new Map(ids.map((id) => [id, new MemoryFileSystem()]));
  const disks = new Map<number, KDisk>(ids.map((id) => [id, { quorumState: { epoch: 0, leaderId: -1, votedId: -1, votedDirectoryId: "" }, snapshot: undefined, entries: [] }]));
  const storages = new Map<number, KRaftStorage>();
  const nodes = new Map<number, kraft.KRaftState>();
  const applied = new Map<number, number>(ids.map((id) => [id, 0]));
  for (const id of ids) {
    storages.set(id, (await KRaftStorage.open({ fs: fss.get(id)!, dir: DIR, log: quiet })).storage);
    nodes.set(id, kraft.createKRaft(cfg(id)));
  }
  const queue: kraft.Message[] = [];
  let restarts = 0;
  let snapshots = 0;
  const step = async (id: number, input: kraft.Input): Promise<void> => {
    const r = kraft.step(nodes.get(id)!, input);
    nodes.set(id, r.state);
    const later: kraft.Input[] = [];
    for (const o of r.outputs) {
      if (o.type === "persist") {
        if (o.snapshot !== undefined) snapshots++;
        applyPersist(disks.get(id)! as never, o);
        later.push(await storages.get(id)!.persist(o));
      } else if (o.type === "send") {
        if (!rng.chance(0.1)) queue.push(o.message);
      } else if (o.type === "commit" && o.entries.length > 0) {
        const end = o.entries.at(-1)!.offset + 1;
        applied.set(id, end);
        later.push({ type: "applied", offset: end });
      } else if (o.type === "load-snapshot") {
        applied.set(id, o.snapshot.id.endOffset);
      }
    }
    for (const i of later) await step(id, i);
    const a = applied.get(id)!;
    const d = disks.get(id)!;
    if (a - (d.snapshot?.id.endOffset ?? 0) > 20 && rng.chance(0.3)) await step(id, { type: "create-snapshot", endOffset: a, data: Uint8Array.of(a & 255) });
  };
  for (let s = 0; s < steps; s++) {
    const roll = rng.int(100);
    const id = ids[rng.int(3)]!;
    if (roll < 40) await step(id, { type: "tick" });
    else if (roll < 80 && queue.length > 0) {
      const m = queue.splice(rng.int(Math.min(queue.length, 4)), 1)[0]!;
      await step(m.to, { type: "message", message: m });
    } else if (roll < 96) {
      for (const x of ids) if (kraft.role(nodes.get(x)!) === "leader") await step(x, { type: "append", records: [Uint8Array.of(s & 255)] });
    } else {
      await storages.get(id)!.close();
      const { storage, persisted } = await KRaftStorage.open({ fs: fss.get(id)!, dir: DIR, log: quiet });
      const d = disks.get(id)!;
      const fresh = d.quorumState.epoch === 0 && d.entries.length === 0 && d.snapshot === undefined;
      const expected = fresh ? undefined : d.snapshot === undefined ? { quorumState: d.quorumState, entries: d.entries } : { quorumState: d.quorumState, snapshot: d.snapshot, entries: d.entries };
      expect(persisted, `seed ${seed} step ${s} node ${id}`).toEqual(expected);
      storages.set(id, storage);
      nodes.set(id, kraft.createKRaft(cfg(id), persisted));
      applied.set(id, persisted?.snapshot?.id.endOffset ?? 0);
      restarts++;
    }
  }
  return { restarts, snapshots };
}

describe("KRaft vocabulary (seeds 1..4; replay: npx vitest run test/storage/vocabularies.test.ts)", () => {
  it("recovers exactly the simulator disk model's content at every restart of a lossy 3-node quorum", async () => {
    let restarts = 0;
    let snapshots = 0;
    for (let seed = 1; seed <= 4; seed++) {
      const r = await kraftRun(seed, 3000);
      restarts += r.restarts;
      snapshots += r.snapshots;
    }
    expect(restarts).toBeGreaterThan(50);
    expect(snapshots).toBeGreaterThan(2);
  });
});

describe("an entry written in parts", () => {
  it("is the same bytes as its whole payload (the Raft vocabulary writes the kind's tag and the data straight into the batch)", () => {
    const entries: raft.Entry[] = [
      { index: 7, term: 2, kind: "normal", data: Uint8Array.from({ length: 300 }, (_, i) => i & 0xff) },
      { index: 8, term: 2, kind: "conf-change", data: Uint8Array.of(1, 2, 3) },
      { index: 9, term: 3, kind: "normal", data: new Uint8Array(0) },
    ];
    const whole = encodeBatch(4, entries.map((e) => ({ type: "entry", index: e.index, term: e.term, payload: encodePayload((w) => writeEntryBody(w, e)) })));
    const parts = encodeBatch(4, entries.map((e) => ({ type: "entry", index: e.index, term: e.term, payload: entryBodyParts(e) })));
    expect(parts).toEqual(whole);
    // And the parts carry the entry, not merely the same length: the tag byte, then the data.
    expect(entryBodyParts(entries[1]!).map((p) => [...p])).toEqual([[1], [1, 2, 3]]);
  });
});
