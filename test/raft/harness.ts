/**
 * A tiny deterministic cluster for tests: in-memory storage per node, a FIFO network that can drop or
 * partition, the durability contract honoured (persist before the sends that follow), and every node's
 * invariants asserted after every step, plus cluster-wide safety checks (one leader per term, applied
 * logs are prefixes of one another).
 */
import { expect } from "vitest";
import {
  assertInvariants,
  createRaft,
  step,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type Output,
  type PersistedState,
  type RaftConfig,
  type RaftState,
  type Snapshot,
} from "../../src/core/raft/index.js";

/** In-memory durable storage of one node. */
export class MemStorage {
  hardState: HardState = { term: 0, vote: 0, commit: 0 };
  snapshot: Snapshot | undefined;
  entries: Entry[] = [];

  persisted(): PersistedState {
    return this.snapshot === undefined
      ? { hardState: this.hardState, entries: [...this.entries] }
      : { hardState: this.hardState, snapshot: this.snapshot, entries: [...this.entries] };
  }
}

export type ConfigOverrides = Partial<Omit<RaftConfig, "id" | "voters">>;

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

export class Cluster {
  readonly nodes = new Map<NodeId, RaftState>();
  readonly storage = new Map<NodeId, MemStorage>();
  readonly configs = new Map<NodeId, RaftConfig>();
  /** Entries handed to apply, per node (snapshots reset it to a marker). */
  readonly applied = new Map<NodeId, Entry[]>();
  readonly snapshotsApplied = new Map<NodeId, Snapshot[]>();
  readonly queue: Message[] = [];
  /** All outputs of every step, per node, for assertions. */
  readonly outputs = new Map<NodeId, Output[]>();
  /** Messages matching this are dropped. */
  drop: (m: Message) => boolean = () => false;
  /** When false, persist outputs are stored but not acknowledged until `ackPersist(id)`. */
  autoAck = true;
  readonly unacked = new Map<NodeId, { index: number; term: number }>();
  /** Leader per term seen so far (Election Safety). */
  readonly leaders = new Map<number, NodeId>();
  delivered = 0;

  constructor(ids: readonly NodeId[], overrides: ConfigOverrides = {}, voters: readonly NodeId[] = ids) {
    for (const id of ids) this.add(id, { id, voters: [...voters], electionTick: 10, heartbeatTick: 1, seed: id * 7919, ...overrides });
  }

  add(id: NodeId, config: RaftConfig): void {
    this.configs.set(id, config);
    this.storage.set(id, new MemStorage());
    this.nodes.set(id, createRaft(config));
    this.applied.set(id, []);
    this.snapshotsApplied.set(id, []);
    this.outputs.set(id, []);
  }

  /** Replaces node `id` by one restarted from a log with the given entry terms (as if persisted). */
  load(id: NodeId, terms: readonly number[], term: number, commit = 0, vote: NodeId | 0 = 0): void {
    const store = new MemStorage();
    store.entries = entriesOfTerms(terms);
    store.hardState = { term, vote, commit };
    this.storage.set(id, store);
    this.nodes.set(id, createRaft({ ...this.configs.get(id)!, applied: commit }, store.persisted()));
  }

  /** Terms of node `id`'s log entries from index 1 (compacted ones as 0). */
  terms(id: NodeId): number[] {
    const s = this.node(id);
    const out: number[] = [];
    for (let i = 1; i <= s.log.offset + s.log.entries.length; i++) out.push(i <= s.log.offset ? 0 : s.log.entries[i - s.log.offset - 1]!.term);
    return out;
  }

  node(id: NodeId): RaftState {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** Steps one node with one input and performs its outputs in order. */
  step(id: NodeId, input: Parameters<typeof step>[1]): Output[] {
    const { state, outputs } = step(this.node(id), input);
    this.nodes.set(id, state);
    assertInvariants(state);
    this.checkSafety(id);
    this.outputs.get(id)!.push(...outputs);
    const store = this.storage.get(id)!;
    let ack: { index: number; term: number } | undefined;
    let snapshotAck: { index: number; term: number } | undefined;
    let sawPersist = false;
    for (const o of outputs) {
      switch (o.type) {
        case "persist":
          expect(sawPersist, "at most one persist output per step").toBe(false);
          sawPersist = true;
          if (o.truncateFrom !== undefined) store.entries = store.entries.filter((e) => e.index < o.truncateFrom!);
          if (o.snapshot !== undefined) {
            store.snapshot = o.snapshot;
            store.entries = store.entries.filter((e) => e.index > o.snapshot!.index);
            snapshotAck = { index: o.snapshot.index, term: o.snapshot.term };
          }
          if (o.entries !== undefined && o.entries.length > 0) {
            const first = o.entries[0]!.index;
            store.entries = store.entries.filter((e) => e.index < first);
            const lastStored = store.entries.at(-1)?.index ?? store.snapshot?.index ?? 0;
            expect(first, "persisted entries follow the stored log").toBe(lastStored + 1);
            store.entries.push(...o.entries);
            const last = o.entries[o.entries.length - 1]!;
            ack = { index: last.index, term: last.term };
          }
          if (o.hardState !== undefined) store.hardState = o.hardState;
          break;
        case "send":
          expect(o.message.from).toBe(id);
          if (!this.drop(o.message)) this.queue.push(o.message);
          break;
        case "apply": {
          const list = this.applied.get(id)!;
          if (o.snapshot !== undefined) {
            this.snapshotsApplied.get(id)!.push(o.snapshot);
            list.length = 0;
          }
          list.push(...o.entries);
          break;
        }
        default:
      }
    }
    if (snapshotAck !== undefined) this.step(id, { type: "snapshot-persisted", ...snapshotAck });
    if (ack !== undefined) {
      if (this.autoAck) this.step(id, { type: "persisted", index: ack.index, term: ack.term });
      else this.unacked.set(id, ack);
    }
    return outputs;
  }

  ackPersist(id: NodeId): Output[] {
    const a = this.unacked.get(id);
    if (a === undefined) return [];
    this.unacked.delete(id);
    return this.step(id, { type: "persisted", index: a.index, term: a.term });
  }

  /** Election Safety (§5.2): at most one leader per term. */
  private checkSafety(id: NodeId): void {
    const s = this.node(id);
    if (s.role === "leader") {
      const prev = this.leaders.get(s.term);
      expect(prev === undefined || prev === id, `two leaders in term ${s.term}: ${prev} and ${id}`).toBe(true);
      this.leaders.set(s.term, id);
    }
  }

  /** Delivers queued messages (FIFO) until none are left; returns how many were delivered. */
  deliver(limit = 100_000): number {
    let n = 0;
    while (this.queue.length > 0) {
      if (++n > limit) throw new Error("network did not quiesce");
      const m = this.queue.shift()!;
      if (!this.nodes.has(m.to) || this.down.has(m.to)) continue;
      this.delivered++;
      this.step(m.to, { type: "message", message: m });
    }
    return n;
  }

  readonly down = new Set<NodeId>();

  tick(id: NodeId, n = 1): void {
    for (let i = 0; i < n; i++) this.step(id, { type: "tick" });
  }

  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const id of this.nodes.keys()) if (!this.down.has(id)) this.step(id, { type: "tick" });
      this.deliver();
    }
  }

  /**
   * The leader `id` sends its heartbeats now (as if its heartbeat timeout elapsed) and delivers until quiet:
   * followers learn a new commit index from the next append or heartbeat, not from a message of its own.
   */
  heartbeat(id: NodeId): void {
    const s = this.node(id);
    s.heartbeatElapsed = s.opts.heartbeatTick - 1;
    this.step(id, { type: "tick" });
    this.deliver();
  }

  /** Makes `id` campaign now (as if its election timeout elapsed) and delivers until quiet. */
  campaign(id: NodeId): void {
    const s = this.node(id);
    s.electionElapsed = s.randomizedElectionTimeout - 1;
    this.step(id, { type: "tick" });
    this.deliver();
  }

  propose(id: NodeId, data: string | string[]): Output[] {
    const out = this.step(id, { type: "propose", data: Array.isArray(data) ? data.map(enc) : enc(data) });
    this.deliver();
    return out;
  }

  /** Crash and restart from storage: whatever was not persisted is gone. */
  restart(id: NodeId, overrides: ConfigOverrides = {}): void {
    const config = { ...this.configs.get(id)!, ...overrides };
    this.nodes.set(id, createRaft(config, this.storage.get(id)!.persisted()));
    this.applied.set(id, []);
    this.queue.splice(0, this.queue.length, ...this.queue.filter((m) => m.to !== id));
  }

  leader(): NodeId | 0 {
    let found: NodeId | 0 = 0;
    for (const [id, s] of this.nodes) if (s.role === "leader" && !this.down.has(id)) found = id;
    return found;
  }

  /** Data of applied normal entries of node `id`, decoded. */
  appliedData(id: NodeId): string[] {
    return this.applied.get(id)!.filter((e) => e.kind === "normal" && e.data.length > 0).map((e) => dec(e.data));
  }

  /** State Machine Safety (§5.4.3): applied sequences are prefixes of one another (by index and term). */
  assertAppliedPrefixes(): void {
    const seqs = [...this.applied.values()];
    for (const a of seqs) {
      for (const b of seqs) {
        const byIndex = new Map(b.map((e) => [e.index, e.term]));
        for (const e of a) if (byIndex.has(e.index)) expect(byIndex.get(e.index), `entry ${e.index} differs across nodes`).toBe(e.term);
      }
    }
  }

  isolate(id: NodeId): void {
    const prev = this.drop;
    this.drop = (m) => m.from === id || m.to === id || prev(m);
  }

  heal(): void {
    this.drop = () => false;
  }
}

/** `step` followed by `assertInvariants` on the resulting state: what every test uses. */
export function checkedStep(s: RaftState, input: Parameters<typeof step>[1]): ReturnType<typeof step> {
  const r = step(s, input);
  assertInvariants(r.state);
  return r;
}

/** A term/index log for building Figure 7/8-style logs directly: entry terms listed in order. */
export function entriesOfTerms(terms: readonly number[], start = 1): Entry[] {
  return terms.map((term, i) => ({ term, index: start + i, kind: "normal" as const, data: enc(`t${term}i${start + i}`) }));
}

/** Restores a node with a given log and term (as if it had persisted them), for log-state scenarios. */
export function nodeWithLog(config: RaftConfig, terms: readonly number[], term: number, commit = 0): RaftState {
  return createRaft(config, { hardState: { term, vote: 0, commit }, entries: entriesOfTerms(terms) });
}

export function sends(outputs: readonly Output[]): Message[] {
  return outputs.flatMap((o) => (o.type === "send" ? [o.message] : []));
}

export function rejections(outputs: readonly Output[]): string[] {
  return outputs.flatMap((o) => (o.type === "rejected" ? [o.reason] : []));
}
