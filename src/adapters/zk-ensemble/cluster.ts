/**
 * An in-process ensemble of N replicas of the replicated ZooKeeper core, with an in-memory network and
 * synchronous in-memory disks. Messages are delivered either synchronously (each call runs until every message
 * it caused has been delivered) or through a queue the caller drains (to interleave clients, reorder, drop,
 * partition, crash). Time only moves through {@link EnsembleCluster.tick}.
 */
import type { NodeId, PersistOutput, PersistedState } from "../../core/raft/index.js";
import type { ClientRequest } from "../../core/zk/index.js";
import * as ens from "../../core/zk-ensemble/index.js";
import type { ConnId, EnsembleMessage, ReplicaInput, ReplicaOutput, ReplicaState } from "../../core/zk-ensemble/index.js";
import type { RaftDisk } from "../simulator/raft-protocol.js";

/** How messages travel. */
export type Delivery = "sync" | "queue";

/** Options of an {@link EnsembleCluster}. */
export interface ClusterOptions {
  /** Number of replicas (default 3). */
  readonly replicas?: number;
  /** "sync" (default) delivers every message before a call returns; "queue" waits for `deliver`/`settle`. */
  readonly delivery?: Delivery;
  /** Seed of the replicas' election timeouts (default 1). */
  readonly seed?: number;
  /** The simulated clock at the start, ms (default 1,700,000,000,000). */
  readonly startTimeMs?: number;
  /** Replica options shared by every replica (ids, seed and start time are set by the cluster). */
  readonly replica?: Omit<ens.ReplicaConfig, "id" | "replicas" | "seed" | "startTimeMs">;
}

/** A bad cluster option or a call naming a replica that does not exist. */
export class ClusterError extends Error {
  /** Stable machine-readable code. */
  readonly code = "E_ZK_CLUSTER";
  constructor(message: string) {
    super(`zk-ensemble cluster: ${message}`);
    this.name = "ClusterError";
  }
}

/** What a connection hears from its replica. */
export type ConnectionHandler = (output: Extract<ReplicaOutput, { type: "reply" | "watch" | "state" }>) => void;

/** Something that wants to hear each tick (clients ping and reconnect on ticks). */
export interface TickListener {
  onTick(now: number): void;
}

interface Slot {
  state: ReplicaState | undefined;
  readonly disk: RaftDisk;
  boots: number;
}

/** Makes a Raft write durable on an in-memory disk; returns the last (index, term) it holds. */
function applyWrite(disk: RaftDisk, o: PersistOutput): { index: number; term: number } {
  const base = () => disk.snapshot?.index ?? 0;
  if (o.truncateFrom !== undefined) disk.entries.length = Math.max(0, Math.min(disk.entries.length, o.truncateFrom - base() - 1));
  if (o.snapshot !== undefined) {
    // Keep the entries after the snapshot when the log agrees at its index, else drop them all (§7).
    const at = disk.entries[o.snapshot.index - base() - 1];
    if (at !== undefined && at.term === o.snapshot.term) disk.entries.splice(0, o.snapshot.index - base());
    else disk.entries.length = 0;
    disk.snapshot = o.snapshot;
  }
  if (o.entries !== undefined && o.entries.length > 0) {
    disk.entries.length = Math.max(0, Math.min(disk.entries.length, o.entries[0]!.index - base() - 1));
    for (const e of o.entries) disk.entries.push(e);
  }
  if (o.hardState !== undefined) disk.hardState = o.hardState;
  const last = disk.entries[disk.entries.length - 1];
  return { index: last?.index ?? disk.snapshot?.index ?? 0, term: last?.term ?? disk.snapshot?.term ?? 0 };
}

/** The in-process ensemble. */
export class EnsembleCluster {
  /** Replica ids, 1..N. */
  readonly ids: readonly NodeId[];
  /** Simulated clock, ms. */
  now: number;
  readonly delivery: Delivery;
  private readonly slots = new Map<NodeId, Slot>();
  private readonly work: { to: NodeId; input: ReplicaInput }[] = [];
  private readonly network: { to: NodeId; message: EnsembleMessage }[] = [];
  private readonly handlers = new Map<string, ConnectionHandler>();
  private readonly listeners = new Set<TickListener>();
  private readonly blocked = new Set<string>();
  /** Queue mode with `batchProposals`: replicas holding proposals until {@link flush}. */
  private readonly unflushed = new Set<NodeId>();
  private readonly options: ClusterOptions;
  private readonly tickMs: number;
  private draining = false;
  private nextConn = 1;
  /** Messages sent, delivered and dropped (partitions, crashed receivers). */
  readonly stats = { sent: 0, delivered: 0, dropped: 0 };

  constructor(options: ClusterOptions = {}) {
    const n = options.replicas ?? 3;
    if (!Number.isInteger(n) || n < 1 || n > 15) throw new ClusterError(`replicas must be an integer in 1..15, got ${n}`);
    if (options.delivery !== undefined && options.delivery !== "sync" && options.delivery !== "queue") {
      throw new ClusterError(`delivery must be "sync" or "queue", got ${JSON.stringify(options.delivery)}`);
    }
    this.options = options;
    this.now = options.startTimeMs ?? 1_700_000_000_000;
    if (!Number.isSafeInteger(this.now) || this.now < 0) throw new ClusterError(`startTimeMs must be a non-negative integer, got ${String(options.startTimeMs)}`);
    this.delivery = options.delivery ?? "sync";
    this.tickMs = options.replica?.tickMs ?? 10;
    this.ids = Array.from({ length: n }, (_, k) => k + 1);
    for (const id of this.ids) {
      const slot: Slot = { state: undefined, disk: { hardState: { term: 0, vote: 0, commit: 0 }, snapshot: undefined, entries: [] }, boots: 0 };
      this.slots.set(id, slot);
      this.boot(id, slot);
    }
  }

  /** A cluster with an elected leader (ticks until one is, at most `maxTicks`). */
  static started(options: ClusterOptions = {}, maxTicks = 1000): EnsembleCluster {
    const c = new EnsembleCluster(options);
    c.tickUntil(() => c.leader() !== undefined, maxTicks);
    return c;
  }

  private boot(id: NodeId, slot: Slot): void {
    const fresh = slot.disk.hardState.term === 0 && slot.disk.entries.length === 0 && slot.disk.snapshot === undefined;
    const persisted: PersistedState | undefined = fresh
      ? undefined
      : { hardState: slot.disk.hardState, entries: slot.disk.entries.slice(), ...(slot.disk.snapshot === undefined ? {} : { snapshot: slot.disk.snapshot }) };
    slot.boots++;
    slot.state = ens.createReplica(
      { ...this.options.replica, id, replicas: this.ids, seed: (this.options.seed ?? 1) * 7919 + id * 104729 + slot.boots, startTimeMs: this.now },
      persisted,
    );
  }

  private slot(id: NodeId): Slot {
    const s = this.slots.get(id);
    if (s === undefined) throw new ClusterError(`no replica ${id}; replicas are ${this.ids.join(", ")}`);
    return s;
  }

  /** A live replica's state (for reading its tree, role and applied index), or undefined when crashed. */
  replica(id: NodeId): ReplicaState | undefined {
    return this.slot(id).state;
  }

  /** The live leader with the highest term, if any. */
  leader(): NodeId | undefined {
    let best: NodeId | undefined;
    let term = -1;
    for (const id of this.ids) {
      const s = this.slots.get(id)!.state;
      if (s !== undefined && ens.replicaRole(s) === "leader" && s.raft.term > term) {
        best = id;
        term = s.raft.term;
      }
    }
    return best;
  }

  /** Runs `input` on replica `to` (and, in sync mode, everything it causes). */
  input(to: NodeId, input: ReplicaInput): void {
    this.slot(to);
    this.work.push({ to, input });
    this.drain();
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (;;) {
        const w = this.work.shift();
        if (w !== undefined) {
          this.run(w.to, w.input);
          continue;
        }
        if (this.delivery === "sync" && this.network.length > 0) {
          this.deliverOne();
          continue;
        }
        break;
      }
    } finally {
      this.draining = false;
    }
  }

  private run(id: NodeId, input: ReplicaInput): void {
    const slot = this.slots.get(id)!;
    if (slot.state === undefined) return;
    const { state, outputs } = ens.step(slot.state, input);
    slot.state = state;
    // A replica batching its proposals holds them until a `flush`: at once in sync mode (after the work already
    // queued), when the schedule says so in queue mode (`flush`, `settle`, `tick`).
    if (ens.queuedProposals(state) > 0 && !this.unflushed.has(id)) {
      this.unflushed.add(id);
      if (this.delivery === "sync") this.work.push({ to: id, input: { type: "flush" } });
    }
    if (input.type === "flush") this.unflushed.delete(id);
    let ack: { index: number; term: number } | undefined;
    for (const o of outputs) {
      switch (o.type) {
        case "persist": {
          ack = applyWrite(slot.disk, o.write);
          if (o.write.snapshot !== undefined) this.work.push({ to: id, input: { type: "snapshot-persisted", index: o.write.snapshot.index, term: o.write.snapshot.term } });
          break;
        }
        case "send":
          this.stats.sent++;
          this.network.push({ to: o.to, message: o.message });
          break;
        case "reply":
        case "watch":
        case "state":
          this.handlers.get(`${id}:${o.conn}`)?.(o);
          if (o.type === "state" && o.state !== "connected" && o.state !== "reconnected") this.handlers.delete(`${id}:${o.conn}`);
          break;
        case "applied":
          break;
      }
    }
    if (ack !== undefined) this.work.push({ to: id, input: { type: "persisted", index: ack.index, term: ack.term } });
  }

  /** Queue mode: messages waiting for delivery. */
  get inFlight(): number {
    return this.network.length;
  }

  /** Delivers the oldest queued message (or the one at `index`); false when none is queued. */
  deliverOne(index = 0): boolean {
    const m = this.network.splice(index, 1)[0];
    if (m === undefined) return false;
    const from = m.message.from;
    if (this.slots.get(m.to)?.state === undefined || this.blocked.has(`${from}>${m.to}`)) {
      this.stats.dropped++;
      return true;
    }
    this.stats.delivered++;
    this.work.push({ to: m.to, input: { type: "message", message: m.message } });
    if (!this.draining) this.drain();
    return true;
  }

  /** Drops the queued message at `index` (queue mode). */
  dropOne(index = 0): boolean {
    const m = this.network.splice(index, 1)[0];
    if (m !== undefined) this.stats.dropped++;
    return m !== undefined;
  }

  /** Delivers queued messages and flushes held proposals until none is left (at most `max` deliveries and flushes). */
  settle(max = 1_000_000): number {
    let n = 0;
    while (n < max && (this.deliverOne() || this.flush())) n++;
    return n;
  }

  /**
   * Queue mode: every replica holding proposals (`batchProposals`) proposes them now — the end of its driver's
   * turn. Returns whether any replica held some.
   */
  flush(): boolean {
    const ids = [...this.unflushed];
    for (const id of ids) {
      this.unflushed.delete(id);
      this.input(id, { type: "flush" });
    }
    return ids.length > 0;
  }

  /** Advances time by `n` ticks: every live replica ticks, then every listener (clients ping, reconnect). */
  tick(n = 1): void {
    for (let k = 0; k < n; k++) {
      this.now += this.tickMs;
      this.flush();
      for (const id of this.ids) if (this.slots.get(id)!.state !== undefined) this.input(id, { type: "tick" });
      for (const l of [...this.listeners]) l.onTick(this.now);
    }
  }

  /** Ticks until `done()` holds (queue mode: settling after each tick); throws after `maxTicks`. */
  tickUntil(done: () => boolean, maxTicks = 1000): void {
    for (let k = 0; k < maxTicks; k++) {
      if (done()) return;
      this.tick();
      if (this.delivery === "queue") this.settle();
    }
    if (!done()) throw new ClusterError(`condition not reached within ${maxTicks} ticks`);
  }

  /** Cuts the links between the groups (each replica in at most one group; unlisted replicas reach everyone). */
  partition(...groups: readonly (readonly NodeId[])[]): void {
    for (const a of groups) for (const b of groups) {
      if (a === b) continue;
      for (const x of a) for (const y of b) this.blocked.add(`${x}>${y}`);
    }
  }

  /** Cuts one direction of one link: messages from `from` to `to` are lost. */
  cut(from: NodeId, to: NodeId): void {
    this.blocked.add(`${from}>${to}`);
  }

  /** Restores every link. */
  heal(): void {
    this.blocked.clear();
  }

  /** Crashes a replica: its memory and its connections are gone; its disk stays. */
  crash(id: NodeId): void {
    const slot = this.slot(id);
    if (slot.state === undefined) return;
    const conns = [...slot.state.conns.keys()];
    slot.state = undefined;
    this.unflushed.delete(id);
    for (const conn of conns) {
      const h = this.handlers.get(`${id}:${conn}`);
      this.handlers.delete(`${id}:${conn}`);
      h?.({ type: "state", conn, state: "disconnected", reason: `replica ${id} crashed` });
    }
  }

  /** Restarts a crashed replica from its disk. */
  restart(id: NodeId): void {
    const slot = this.slot(id);
    if (slot.state === undefined) this.boot(id, slot);
  }

  /** Whether a replica is up. */
  isUp(id: NodeId): boolean {
    return this.slot(id).state !== undefined;
  }

  /** A fresh connection id (never reused, restarts included). */
  newConn(): ConnId {
    return this.nextConn++;
  }

  /** Opens connection `conn` (from {@link newConn}) on `replica`; the replica answers with a `state` output. */
  connect(replica: NodeId, conn: ConnId, handler: ConnectionHandler, timeoutMs: number, session?: { id: number; password: string; lastZxidSeen: number }): void {
    if (!this.isUp(replica)) {
      handler({ type: "state", conn, state: "refused", reason: `replica ${replica} is down` });
      return;
    }
    this.handlers.set(`${replica}:${conn}`, handler);
    this.input(replica, { type: "connect", conn, timeoutMs, ...(session === undefined ? {} : { session }) });
  }

  /** Sends a request on a connection. */
  request(replica: NodeId, conn: ConnId, xid: number, request: ClientRequest, linearizable = false): void {
    if (!this.handlers.has(`${replica}:${conn}`)) return;
    this.input(replica, { type: "request", conn, xid, request, linearizable });
  }

  /** A client ping on a connection. */
  ping(replica: NodeId, conn: ConnId): void {
    if (this.isUp(replica)) this.input(replica, { type: "ping", conn });
  }

  /** The client closes its connection. */
  disconnect(replica: NodeId, conn: ConnId): void {
    this.handlers.delete(`${replica}:${conn}`);
    if (this.isUp(replica)) this.input(replica, { type: "disconnect", conn });
  }

  /** Registers something to call on every tick; returns the function that unregisters it. */
  onTick(listener: TickListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
