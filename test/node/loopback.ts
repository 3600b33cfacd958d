/**
 * Set-up shared by the tests that run three node runtimes (Raft or KRaft) in one process on loopback ports,
 * each with a temporary data directory: cleanup after each test, polling for a condition, and linking peers.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";

/** Registers an afterEach that runs the deferred cleanups in reverse order; returns the function to defer one. */
export function cleanupAfterEach(): (f: () => Promise<unknown>) => void {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });
  return (f) => void cleanup.push(f);
}

/** Polls `cond` every 20 ms; throws naming `what` after `ms`. */
export async function waitFor(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A running node on a loopback port. */
export interface LoopbackMember {
  readonly node: { setPeer(id: number, address: { host: string; port: number }): void; status(): { readonly id: number }; stop(): Promise<void> };
  readonly port: number;
}

/** Tells every member every other member's address. */
export function link(members: readonly LoopbackMember[]): void {
  for (const a of members) for (const b of members) if (a !== b) a.node.setPeer(b.node.status().id, { host: "127.0.0.1", port: b.port });
}

/**
 * Starts nodes 1, 2 and 3, each in a fresh temporary directory `<prefix>-<id>-…`, links them, and defers
 * stopping them and removing the directories.
 */
export async function startTrio<M extends LoopbackMember>(prefix: string, defer: (f: () => Promise<unknown>) => void, start: (id: number, dir: string) => Promise<M>): Promise<M[]> {
  const members: M[] = [];
  for (const id of [1, 2, 3]) {
    const dir = await mkdtemp(join(tmpdir(), `${prefix}-${id}-`));
    defer(() => rm(dir, { recursive: true, force: true }));
    members.push(await start(id, dir));
  }
  link(members);
  defer(() => Promise.all(members.map((m) => m.node.stop())));
  return members;
}
