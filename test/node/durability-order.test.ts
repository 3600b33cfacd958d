/**
 * The runtime holds a step's sends until its persist is durable. With every fdatasync of nodes 2 and 3 hung, a
 * correct cluster cannot elect a leader (no vote reply may leave before the vote is durable); each planted bug
 * lets one be elected — the check has teeth. A hung leader disk does not stop commits (the followers' durable
 * acknowledgements are a quorum), but the leader applies only what its own disk holds. A storage failure stops the node cleanly (onFatal), the process
 * keeps running.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RaftNode, type PlantedBug } from "../../src/adapters/node/index.js";
import { nodeFileSystem, wrapHandles, type FileSystem } from "../../src/adapters/storage/index.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** The real file system whose fdatasyncs hang while `hung` (released all at once by `release`). */
function hangable(): { fs: FileSystem; hang(): void; release(): void } {
  const real = nodeFileSystem();
  let hung = false;
  const waiting: (() => void)[] = [];
  return {
    fs: wrapHandles(real, (h) => ({
      append: (b) => h.append(b),
      datasync: async () => {
        if (hung) await new Promise<void>((r) => waiting.push(r));
        await h.datasync();
      },
      close: () => h.close(),
    })),
    hang: () => (hung = true),
    release: () => {
      hung = false;
      for (const r of waiting.splice(0)) r();
    },
  };
}

async function run(bug: PlantedBug | undefined, ms: number): Promise<boolean> {
  const nodes: RaftNode[] = [];
  const fss = [1, 2, 3].map(() => hangable());
  for (const id of [1, 2, 3]) {
    const dir = await mkdtemp(join(tmpdir(), `quorate-order-${id}-`));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const n = await RaftNode.start({ id, clusterId: "o", voters: [1, 2, 3], dataDir: dir, fs: fss[id - 1]!.fs, tickMs: 10, app: { apply: () => undefined }, log: () => undefined, ...(bug === undefined ? {} : { plantedBug: bug }) });
    nodes.push(n);
  }
  cleanup.push(async () => {
    for (const f of fss) f.release();
    await Promise.all(nodes.map((n) => n.stop()));
  });
  fss[1]!.hang();
  fss[2]!.hang();
  for (const a of nodes) for (const b of nodes) if (a !== b) a.setPeer(b.status().id, { host: "127.0.0.1", port: b.port });
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (nodes.some((n) => n.status().role === "leader")) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

describe("sends wait for the persist of their step", () => {
  it("no leader is elected while the voters' fdatasyncs hang", async () => {
    expect(await run(undefined, 1500)).toBe(false);
  });

  it("planted bug vote-before-durable: a leader is elected on votes that are not durable", async () => {
    expect(await run("vote-before-durable", 10_000)).toBe(true);
  });

  it("planted bug ack-before-fsync: a leader is elected too", async () => {
    expect(await run("ack-before-fsync", 10_000)).toBe(true);
  });
});

describe("a leader replicates while its own write is in flight (dissertation §10.2.1)", () => {
  it("with the leader's fdatasync hung, the followers commit its entry; the leader applies it only once durable", async () => {
    const fss = [1, 2, 3].map(() => hangable());
    const applied = new Map<number, number>([[1, 0], [2, 0], [3, 0]]);
    const nodes: RaftNode[] = [];
    for (const id of [1, 2, 3]) {
      const dir = await mkdtemp(join(tmpdir(), `quorate-overlap-${id}-`));
      cleanup.push(() => rm(dir, { recursive: true, force: true }));
      const app = { apply: (entries: readonly { index: number }[]) => void (entries.length > 0 && applied.set(id, entries.at(-1)!.index)) };
      nodes.push(await RaftNode.start({ id, clusterId: "p", voters: [1, 2, 3], dataDir: dir, fs: fss[id - 1]!.fs, tickMs: 10, app, log: () => undefined }));
    }
    cleanup.push(async () => {
      for (const f of fss) f.release();
      await Promise.all(nodes.map((n) => n.stop()));
    });
    for (const a of nodes) for (const b of nodes) if (a !== b) a.setPeer(b.status().id, { host: "127.0.0.1", port: b.port });
    const until = async (what: string, cond: () => boolean): Promise<void> => {
      const deadline = Date.now() + 10_000;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    let leader: RaftNode | undefined;
    await until("a leader that applied its first entry", () => (leader = nodes.find((n) => n.status().role === "leader")) !== undefined && applied.get(leader.status().id)! >= leader.status().lastIndex);
    const id = leader!.status().id;
    const before = leader!.status().lastIndex;
    fss[id - 1]!.hang();
    leader!.propose(Uint8Array.of(7));
    // Committed by the two followers' durable acknowledgements alone (the leader's write cannot count).
    await until("the entry to commit at the leader", () => leader!.status().commit > before);
    expect(leader!.status()).toMatchObject({ role: "leader", term: expect.any(Number) });
    expect(applied.get(id)).toBe(before); // not durable here yet: not applied
    fss[id - 1]!.release();
    await until("the leader to apply the entry", () => applied.get(id)! > before);
  });
});

describe("storage failure", () => {
  it("stops the node through onFatal; the process keeps running", async () => {
    const dir = await mkdtemp(join(tmpdir(), "quorate-fatal-"));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const real = nodeFileSystem();
    let full = false;
    const fs: FileSystem = wrapHandles(real, (h) => ({
      append: async (b) => {
        if (full) throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
        await h.append(b);
      },
      datasync: () => h.datasync(),
      close: () => h.close(),
    }));
    const errors: Error[] = [];
    const node = await RaftNode.start({ id: 1, clusterId: "f", voters: [1], dataDir: dir, fs, tickMs: 10, app: { apply: () => undefined }, log: () => undefined, onFatal: (e) => errors.push(e) });
    cleanup.push(() => node.stop());
    const deadline = Date.now() + 10_000;
    while (node.status().role !== "leader" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(node.status().role).toBe("leader");
    full = true;
    node.propose(Uint8Array.of(1));
    while (errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(["no-space"]);
    const term = node.status().term;
    await new Promise((r) => setTimeout(r, 100));
    // Stopped: no more ticks are processed.
    expect(node.status().term).toBe(term);
  });
});
