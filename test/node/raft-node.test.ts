/**
 * Three Raft node runtimes in one process on loopback ports, each with its data directory: they elect a leader,
 * replicate and apply proposals in the same order, a node restarted from its directory catches up, and a whole
 * cluster restarted from disk recovers every acknowledged (applied) entry.
 */
import { describe, expect, it } from "vitest";
import { RaftNode } from "../../src/adapters/node/index.js";
import type { Entry, Snapshot } from "../../src/core/raft/index.js";
import { cleanupAfterEach, link, startTrio, waitFor } from "./loopback.js";

const defer = cleanupAfterEach();

/** A trivial state machine: the list of applied payloads (as text), restored from a snapshot's JSON. */
class Recorder {
  applied: string[] = [];
  apply(entries: readonly Entry[], snapshot: Snapshot | undefined): void {
    if (snapshot !== undefined) this.applied = JSON.parse(new TextDecoder().decode(snapshot.data)) as string[];
    for (const e of entries) if (e.kind === "normal" && e.data.length > 0) this.applied.push(new TextDecoder().decode(e.data));
  }
}

interface Member {
  node: RaftNode;
  app: Recorder;
  dir: string;
  port: number;
}

async function startMember(id: number, dir: string, port = 0): Promise<Member> {
  const app = new Recorder();
  const node = await RaftNode.start({ id, clusterId: "t", voters: [1, 2, 3], dataDir: dir, listen: { port }, tickMs: 20, app, log: () => undefined });
  return { node, app, dir, port: node.port };
}

const cluster = (): Promise<Member[]> => startTrio("quorate-node", defer, (id, dir) => startMember(id, dir));

const leaderOf = (ms: Member[]): Member | undefined => ms.find((m) => m.node.status().role === "leader");

describe("Raft node runtime on loopback with real storage", () => {
  it("elects a leader, replicates and applies proposals in one order, and a restarted node catches up from disk", async () => {
    const ms = await cluster();
    await waitFor("a leader", () => leaderOf(ms) !== undefined);
    const leader = leaderOf(ms)!;
    const writesBefore = leader.node.stats().storage.writes;
    for (let i = 0; i < 30; i++) leader.node.propose(new TextEncoder().encode(`v${i}`));
    const want = Array.from({ length: 30 }, (_, i) => `v${i}`);
    await waitFor("every node to apply 30 entries", () => ms.every((m) => m.app.applied.length === 30));
    for (const m of ms) expect(m.app.applied).toEqual(want);
    expect(leader.node.stats().storage.walSyncs).toBeGreaterThan(0);
    // The 30 proposals of one turn of the event loop reached the core as one input: one write of them all (and
    // a few of commit indexes), not 30.
    expect(leader.node.stats().storage.writes - writesBefore).toBeLessThan(10);

    // Restart a follower from its data directory on the same port; it re-applies from its log and catches up.
    const i = ms.findIndex((m) => m !== leader);
    const old = ms[i]!;
    await old.node.stop();
    for (let k = 30; k < 40; k++) leaderOf(ms)!.node.propose(new TextEncoder().encode(`v${k}`));
    const again = await startMember(old.node.status().id, old.dir, old.port);
    ms[i] = again;
    defer(() => again.node.stop());
    link(ms);
    await waitFor("the restarted node to catch up", () => again.app.applied.length === 40);
    expect(again.app.applied).toEqual(Array.from({ length: 40 }, (_, k) => `v${k}`));
  });

  it("a whole cluster stopped and restarted from disk keeps every applied entry", async () => {
    const ms = await cluster();
    await waitFor("a leader", () => leaderOf(ms) !== undefined);
    for (let i = 0; i < 10; i++) leaderOf(ms)!.node.propose(new TextEncoder().encode(`w${i}`));
    await waitFor("apply on the leader", () => leaderOf(ms)?.app.applied.length === 10);
    const applied = leaderOf(ms)!.app.applied.slice();
    await Promise.all(ms.map((m) => m.node.stop()));
    const back: Member[] = [];
    for (const m of ms) back.push(await startMember(m.node.status().id, m.dir, m.port));
    defer(() => Promise.all(back.map((m) => m.node.stop())));
    link(back);
    await waitFor("a new leader", () => leaderOf(back) !== undefined);
    // A new leader commits an entry of its term, which commits (and hands out again) everything before it.
    await waitFor("every node to re-apply", () => back.every((m) => m.app.applied.length >= 10));
    for (const m of back) expect(m.app.applied.slice(0, 10)).toEqual(applied);
  });
});
