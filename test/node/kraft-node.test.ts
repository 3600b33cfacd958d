/**
 * Three KRaft node runtimes in one process on loopback ports with real storage: a leader is elected, appended
 * records are committed on every replica in one order, and a replica restarted from its directory catches up.
 */
import { describe, expect, it } from "vitest";
import { KRaftNode } from "../../src/adapters/node/index.js";
import type { Entry } from "../../src/core/kraft/index.js";
import { cleanupAfterEach, link, startTrio, waitFor } from "./loopback.js";

const defer = cleanupAfterEach();

interface Member {
  node: KRaftNode;
  got: string[];
  dir: string;
  port: number;
}

const KRAFT = { tickMs: 10, electionTimeoutMs: 150, fetchTimeoutMs: 300, electionBackoffMaxMs: 100, requestTimeoutMs: 200, fetchMaxWaitMs: 20 };

async function startMember(id: number, dir: string, port = 0): Promise<Member> {
  const got: string[] = [];
  const app = {
    commit: (entries: readonly Entry[]) => {
      for (const e of entries) if (e.kind === "data") got.push(new TextDecoder().decode(e.data));
    },
    loadSnapshot: () => undefined,
  };
  const node = await KRaftNode.start({ id, clusterId: "k", voters: [1, 2, 3], dataDir: dir, listen: { port }, kraft: KRAFT, app, log: () => undefined });
  return { node, got, dir, port: node.port };
}

describe("KRaft node runtime on loopback with real storage", () => {
  it("commits appended records on every replica in one order; a restarted replica catches up from disk", async () => {
    const ms = await startTrio("quorate-kraft", defer, (id, dir) => startMember(id, dir));
    const leader = (): Member | undefined => ms.find((m) => m.node.status().role === "leader");
    await waitFor("a leader", () => leader() !== undefined);
    for (let i = 0; i < 20; i++) leader()!.node.append([new TextEncoder().encode(`r${i}`)]);
    const want = Array.from({ length: 20 }, (_, i) => `r${i}`);
    await waitFor("every replica to commit 20 records", () => ms.every((m) => m.got.length === 20));
    for (const m of ms) expect(m.got).toEqual(want);

    const i = ms.findIndex((m) => m !== leader());
    const old = ms[i]!;
    await old.node.stop();
    const again = await startMember(old.node.status().id, old.dir, old.port);
    ms[i] = again;
    link(ms);
    for (let k = 20; k < 25; k++) leader()!.node.append([new TextEncoder().encode(`r${k}`)]);
    await waitFor("the restarted replica to commit everything", () => again.got.length === 25);
    expect(again.got).toEqual(Array.from({ length: 25 }, (_, k) => `r${k}`));
  });
});
