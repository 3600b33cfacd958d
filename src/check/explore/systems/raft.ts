/**
 * The Raft core (src/core/raft) as an explorable actor system: n voters, durable storage per node (restart
 * from exactly what was persisted), client proposals at the leader, election and heartbeat timers fired by
 * choice with the core's `timeout` input. The timers' counters and the PRNG then decide nothing, so nodes are
 * fingerprinted without them (`fingerprintRaft(s, { timers: false })`).
 * @module
 */
import type { Core } from "../../../core/contract.js";
import { Hasher } from "../../../core/fingerprint.js";
import * as raft from "../../../core/raft/index.js";
import type { Entry, HardState, Input, Message, Output, PersistOutput, RaftState } from "../../../core/raft/index.js";
import type { ActorSystem, StorageMode, SystemState } from "../actors.js";
import type { Invariant } from "../model.js";
import { hashValue } from "../hash.js";
import { messageInput, outputEffects, systemName, withinBounds, type CoreBounds, type CoreSystemOptions } from "./common.js";
import { raftInvariants, raftStepInvariants } from "./raft-invariants.js";

/** Limits of the explored space (`max-term` bounds the term; `max-reads`, default 0, the client reads issued). */
export interface RaftBounds extends CoreBounds {
  /** Client reads (`read-index` inputs) issued on one path; 0 (the default) issues none. */
  readonly maxReads?: number;
  /**
   * Partitions on one path (default 0): each cuts a node off from the others for the rest of the path
   * (`ActorSystem.maxPartitions`), the way a lossy network can, in one step instead of a drop per message.
   */
  readonly maxPartitions?: number;
}

/** The defaults of `quorate explore --system raft --nodes 3` (measured to finish in minutes; docs/explore.md). */
export const DEFAULT_RAFT_BOUNDS: RaftBounds = { maxTerm: 2, maxLog: 2, maxCrashes: 1, maxInFlight: 3 };

/** How the Raft system is explored. */
export interface RaftSystemOptions extends CoreSystemOptions {
  /** The bounds; the missing ones are {@link DEFAULT_RAFT_BOUNDS}'s. */
  readonly bounds?: Partial<RaftBounds>;
  readonly preVote?: boolean;
  /** When a send may leave while its node's writes are in flight (see `Storage.mode`); default "sync". */
  readonly storage?: StorageMode;
  /**
   * Bytes of a client proposal (default 1). With 2, a proposal is above the 1-byte message limit on its own, so
   * an append message carries it alone, without the (empty) no-op entries after it: a follower can then
   * acknowledge an old term's entry without the new leader's no-op behind it, the order of Raft's Figure 8.
   */
  readonly payloadBytes?: number;
  /**
   * Whether a leader's heartbeat timer may fire (default true). False explores the sub-space without
   * heartbeats: every path is still a real behaviour (a violation found is real), but liveness-like paths that
   * need a heartbeat to spread a commit index are gone. A search strategy for deep safety bugs, whose shortest
   * paths need no heartbeat: it removes the branching of heartbeat rounds and their responses.
   */
  readonly heartbeats?: boolean;
  /**
   * How leaders serve client reads (with `max-reads` > 0): "safe" (ReadIndex, the default) with timers fired by
   * choice; or "lease-based" (with check-quorum), whose safety assumes bounded clock drift, so time is a global
   * clock instead: a `tick` action ticks every live node at once and timers fire by the core's own counters.
   */
  readonly readOnly?: "safe" | "lease-based";
}

/** The explorer's record of client reads (the system's history). */
export interface RaftReads {
  /** Reads issued so far on this path. */
  readonly issued: number;
  /** Reads not yet served: request id and the highest index committed anywhere when the read was issued. */
  readonly pending: readonly (readonly [id: number, committedBefore: number])[];
  /** The first read served at an index below what was committed before it was issued. */
  readonly stale?: string;
}

/** A node's config in the explored system. */
export interface RaftNodeConfig {
  readonly id: number;
  readonly voters: readonly number[];
  readonly preVote: boolean;
  /** Lease reads (with check-quorum); absent: ReadIndex. */
  readonly leaseReads?: boolean;
}

/** What a node's storage made durable. */
export interface RaftDisk {
  readonly hardState: HardState;
  readonly entries: readonly Entry[];
}

/** The explorer's inputs to a node: the core's own, the explicit `timeout` included. */
export type RaftExploreInput = Input;

/** A state of the explored Raft system. */
export type RaftSystemState = SystemState<RaftState, Message, PersistOutput, RaftDisk, RaftReads | undefined>;

const ELECTION_TICK = 2;
/** PRNG seeds of nodes 1–3 under the global clock (first election timeouts of 2, 3 and 3 ticks). */
const LEASE_SEEDS: readonly number[] = [4, 1, 2];
/** The disk of a node that never wrote. */
export const EMPTY_RAFT_DISK: RaftDisk = { hardState: { term: 0, vote: 0, commit: 0 }, entries: [] };

/** Nodes' fingerprints leave out what timers fired by choice make irrelevant: their counters and the PRNG. */
function fingerprintNode(s: RaftState): bigint {
  return raft.fingerprintRaft(s, { timers: false });
}

/** Under a global clock the timers' counters and the PRNG decide when timers fire: fingerprinted too. */
function fingerprintTimedNode(s: RaftState): bigint {
  return raft.fingerprintRaft(s, { timers: true });
}

/**
 * The Raft core under the contract, as the explorer drives it: the core's step and clone, timer-free
 * fingerprints (with `timed`, for a global clock, the timers' counters are fingerprinted too).
 */
export function raftExploreCore(timed = false): Core<RaftNodeConfig, RaftState, Input, Output> {
  return {
    name: "raft",
    create: (c) => raft.createRaft(nodeConfig(c)),
    step: raft.step,
    clone: raft.cloneRaft,
    fingerprint: timed ? fingerprintTimedNode : fingerprintNode,
  };
}

function nodeConfig(c: RaftNodeConfig): raft.RaftConfig {
  // One entry per append message: a follower can then acknowledge a prefix of a leader's log (Figure 8's order).
  const lease = c.leaseReads === true;
  const reads = lease ? { checkQuorum: true, readOnly: "lease-based" as const } : {};
  // Under the global clock the PRNG picks election timeouts: these seeds give node 1 the first timeout (2 ticks)
  // and nodes 2 and 3 the next (3), so that one candidate at a time keeps the messages in flight few.
  const seed = lease ? (LEASE_SEEDS[c.id - 1] ?? c.id) : c.id;
  return { id: c.id, voters: c.voters, electionTick: ELECTION_TICK, heartbeatTick: 1, preVote: c.preVote, maxInflightMsgs: 4, maxSizePerMsg: 1, seed, ...reads };
}

function hashEntry(h: Hasher, e: Entry): void {
  h.int(e.index).int(e.term).int(e.kind === "normal" ? 1 : 2).bytes(e.data);
}

function identity(id: number): number {
  return id;
}

/** Feeds a Raft message to a hasher, field by field (the generic `hashValue` sorts keys: 15% of a run). */
export function hashRaftMessage(h: Hasher, m: Message, map: (id: number) => number = identity): void {
  h.str(m.type).int(map(m.from)).int(map(m.to)).int(m.term);
  switch (m.type) {
    case "vote":
    case "pre-vote":
      h.int(m.lastIndex).int(m.lastTerm).bool(m.transfer);
      break;
    case "vote-response":
    case "pre-vote-response":
      h.bool(m.reject);
      break;
    case "append":
      h.int(m.prevIndex).int(m.prevTerm).int(m.commit).int(m.entries.length);
      for (const e of m.entries) hashEntry(h, e);
      break;
    case "append-response":
      h.bool(m.reject).int(m.index).int(m.hintIndex).int(m.hintTerm);
      break;
    case "heartbeat":
      h.int(m.commit).int(m.context);
      break;
    case "heartbeat-response":
      h.int(m.context);
      break;
    case "timeout-now":
      break;
    default:
      hashValue(h, m);
  }
}

/** Feeds a node's disk to a hasher. */
export function hashRaftDisk(h: Hasher, disk: RaftDisk): void {
  h.int(disk.hardState.term).int(disk.hardState.vote).int(disk.hardState.commit).int(disk.entries.length);
  for (const e of disk.entries) hashEntry(h, e);
}

/** The disk after persist output `w` (a new disk), and the `persisted` input acknowledging its last entry. */
export function writeRaftDisk(disk: RaftDisk, w: PersistOutput): { readonly disk: RaftDisk; readonly ack: { type: "persisted"; index: number; term: number } } {
  const next = applyPersist(disk, w);
  const last = next.entries[next.entries.length - 1];
  return { disk: next, ack: { type: "persisted", index: last?.index ?? 0, term: last?.term ?? 0 } };
}

/** What a node restarting from `disk` reads back: undefined for a disk that never held anything. */
export function persistedState(disk: RaftDisk): raft.PersistedState | undefined {
  return disk.hardState.term === 0 && disk.entries.length === 0 ? undefined : { hardState: disk.hardState, entries: disk.entries.slice() };
}

/** Applies a persist output to a disk (a new disk; the old one is unchanged), as the simulator's storage does. */
export function applyPersist(disk: RaftDisk, o: PersistOutput): RaftDisk {
  let entries = disk.entries;
  if (o.truncateFrom !== undefined && o.truncateFrom <= entries.length) entries = entries.slice(0, o.truncateFrom - 1);
  const written = o.entries;
  if (written !== undefined && written.length > 0) entries = [...entries.slice(0, written[0]!.index - 1), ...written];
  return { hardState: o.hardState ?? disk.hardState, entries };
}

/** The Raft system for the explorer. */
export function raftSystem(o: RaftSystemOptions): ActorSystem<RaftNodeConfig, RaftState, RaftExploreInput, Output, Message, PersistOutput, RaftDisk, RaftReads | undefined> {
  const bounds: RaftBounds = { ...DEFAULT_RAFT_BOUNDS, ...o.bounds };
  const ids = Array.from({ length: o.nodes }, (_, i) => i + 1);
  const lease = o.readOnly === "lease-based";
  const configs = ids.map((id) => ({ id, voters: ids, preVote: o.preVote === true, ...(lease ? { leaseReads: true } : {}) }));
  const proposal: Input = { type: "propose", data: new Uint8Array(o.payloadBytes ?? 1).fill(1) };
  const maxReads = bounds.maxReads ?? 0;
  const maxPartitions = bounds.maxPartitions ?? 0;
  const reads = maxReads > 0 ? readRecording(ids, maxReads) : undefined;
  const base = systemName("raft", o.nodes, bounds);
  const name = maxPartitions > 0 ? `${base.slice(0, -1)}, max-partitions=${maxPartitions})` : base;
  return {
    name: maxReads > 0 || lease ? `${name.slice(0, -1)}, max-reads=${maxReads}${lease ? ", lease reads" : ""})` : name,
    core: raftExploreCore(lease),
    ...(lease ? { tick: { type: "tick" } as const } : {}),
    ...(reads ?? {}),
    ids,
    configs,
    deliver: messageInput,
    effect: outputEffects<Output, Message, PersistOutput, Input>({
      send: (out) => ({ to: out.to, msg: out.message }),
      write: (out) => out,
      other(out) {
        if (out.type !== "apply") return { kind: "none" };
        const last = out.entries[out.entries.length - 1];
        return last === undefined ? { kind: "none" } : { kind: "input", input: { type: "applied", index: last.index } };
      },
    }),
    hashMessage: (h, m) => hashRaftMessage(h, m),
    // Every voter is configured alike: states equal up to a renaming of the nodes behave alike. (Not for an
    // ordered network: the representative sums the network's messages and would forget their order.)
    // Nor with client reads or a global clock: the representative hashes neither the reads nor the timers.
    ...(o.network === "ordered" || o.nodes > 5 || reads !== undefined || lease ? {} : { representative: (sys: RaftSystemState) => raftRepresentative(sys, ids) }),
    // Under a global clock (lease reads) ticks fire the timers, as the core's counters say.
    timers: lease ? () => [] : o.heartbeats === false ? (s) => (s.role === "leader" ? [] : ["election"]) : (s) => (s.role === "leader" ? ["heartbeat"] : ["election"]),
    external: (sys, i) => {
      const s = sys.nodes[i]!;
      if (s.role !== "leader") return [];
      const inputs: Input[] = raft.lastIndex(s) < bounds.maxLog ? [proposal] : [];
      // A client reads at a node that leads (anywhere else the core only rejects the read).
      const issued = sys.history?.issued ?? 0;
      if (issued < maxReads) inputs.push({ type: "read-index", requestId: issued + 1 });
      return inputs;
    },
    storage: {
      empty: EMPTY_RAFT_DISK,
      mode: o.storage ?? "sync",
      apply: writeRaftDisk,
      restart: (c, disk) => raft.createRaft(nodeConfig(c), persistedState(disk)),
      hash: hashRaftDisk,
    },
    network: o.network ?? "unordered",
    noOpDelivery: "consume",
    lossy: o.lossy ?? false,
    maxCrashes: bounds.maxCrashes,
    maxPartitions,
    within: withinBounds(bounds, (s) => s.term, raft.lastIndex),
    invariants: reads === undefined ? raftInvariants(ids) : [...raftInvariants(ids), LINEARIZABLE_READ],
    // Evidence that the space is not vacuous: leaders get elected and entries committed within the bounds.
    goals: [
      { name: "leader elected", reached: (sys) => sys.nodes.some((s) => s?.role === "leader") },
      { name: "entry committed", reached: (sys) => sys.nodes.some((s) => s !== undefined && raft.commitIndex(s) > 0) },
    ],
    stepInvariants: raftStepInvariants(ids),
    describeMessage: describeRaftMessage,
    // Under "async-overtake": the leader may replicate entries while its own write is in flight (it counts
    // itself only once durable), as the simulator's raft driver lets it.
    overtakes: (m) => m.type === "append" || m.type === "heartbeat" || m.type === "snapshot",
  };
}

/** The highest index committed anywhere: by an up node, or on a disk (a node that crashed since). */
function highestCommitted(sys: RaftSystemState): number {
  let c = 0;
  for (const s of sys.nodes) if (s !== undefined) c = Math.max(c, raft.commitIndex(s));
  for (const d of sys.disks) c = Math.max(c, d.hardState.commit);
  return c;
}

/**
 * Linearizable reads: a read is served (`read-ready`) at an index no lower than every entry committed before
 * the read was issued — else it may miss a write that completed before it began.
 */
const LINEARIZABLE_READ: Invariant<RaftSystemState> = {
  name: "linearizable-read",
  check: (sys) => sys.history?.stale,
};

/** The history hooks recording client reads: issued (with what was committed then) and served. */
function readRecording(ids: readonly number[], maxReads: number): Pick<ReturnType<typeof raftSystem>, "history" | "onInput" | "onOutput"> {
  const init: RaftReads = { issued: 0, pending: [] };
  return {
    history: {
      init,
      hash(h, r) {
        h.int(r?.issued ?? 0).int(r?.pending.length ?? 0);
        for (const [id, c] of r?.pending ?? []) h.int(id).int(c);
        h.bool(r?.stale !== undefined);
      },
    },
    onInput(sys, _i, input) {
      if (input.type !== "read-index" || typeof input.requestId !== "number") return undefined;
      const r = sys.history ?? init;
      if (r.issued >= maxReads) return undefined;
      return { ...r, issued: r.issued + 1, pending: [...r.pending, [input.requestId, highestCommitted(sys)] as const] };
    },
    onOutput(r, i, o) {
      if (o.type !== "read-ready" || r === undefined) return undefined;
      const p = r.pending.find(([id]) => id === o.requestId);
      if (p === undefined) return undefined;
      const pending = r.pending.filter((x) => x !== p);
      const stale =
        r.stale ?? (o.index < p[1] ? `node ${ids[i]} served read ${p[0]} at index ${o.index}, but entry ${p[1]} was committed before the read was issued` : undefined);
      return stale === undefined ? { ...r, pending } : { ...r, pending, stale };
    },
  };
}

/** Every permutation of 0..n-1 (n ≤ 5). */
function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (const p of permutations(n - 1)) for (let k = 0; k <= p.length; k++) out.push([...p.slice(0, k), n - 1, ...p.slice(k)]);
  return out;
}

const PERMUTATIONS = new Map<number, number[][]>();

/**
 * A hash of what renaming the nodes leaves unchanged in node `i`'s part of the system (term, role, whether it
 * voted or knows a leader, its log, disk, pending writes, whether it is up or cut off): nodes with different
 * signatures can never be swapped by a renaming.
 */
function renamingInvariantSignature(sys: RaftSystemState, i: number): bigint {
  const h = new Hasher();
  const s = sys.nodes[i];
  h.bool(s !== undefined);
  if (s !== undefined) {
    h.int(s.term).str(s.role).bool(s.vote === 0).bool(s.vote === s.id).bool(s.leader === 0).bool(s.leader === s.id);
    h.int(s.log.committed).int(s.log.stable).int(s.log.applied).int(s.log.entries.length);
    for (const e of s.log.entries) hashEntry(h, e);
  }
  const d = sys.disks[i]!;
  h.int(d.hardState.term).bool(d.hardState.vote === 0).int(d.hardState.commit).int(d.entries.length);
  for (const e of d.entries) hashEntry(h, e);
  const q = sys.writes[i]!;
  h.int(q.length);
  for (const w of q) h.int(w.held.length);
  h.bool((sys.isolated & (1 << i)) !== 0);
  return h.digest();
}

/** The renamings of one list of node ids, and the renamed hashes of node states and envelopes, cached. */
interface Renamings {
  /** `perms[p][i]`: the position node i takes under renaming p. */
  readonly perms: readonly (readonly number[])[];
  /** `inverse[p][j]`: the node renaming p puts at position j. */
  readonly inverse: readonly (readonly number[])[];
  /** `maps[p]`: renaming p as a function of ids. */
  readonly maps: readonly ((id: number) => number)[];
  /**
   * Per node state or envelope object (shared by every system state that holds it unchanged), its hash under
   * each renaming computed so far: a transition changes one node, so most hashes are reused.
   */
  readonly nodeFps: WeakMap<RaftState, bigint[]>;
  readonly envFps: WeakMap<object, bigint[]>;
}

const RENAMINGS = new WeakMap<readonly number[], Renamings>();

function renamingsOf(ids: readonly number[]): Renamings {
  let r = RENAMINGS.get(ids);
  if (r !== undefined) return r;
  const n = ids.length;
  let perms = PERMUTATIONS.get(n);
  if (perms === undefined) PERMUTATIONS.set(n, (perms = permutations(n)));
  const indexOf = new Map(ids.map((id, i) => [id, i]));
  const inverse = perms.map((perm) => perm.map((_, j) => perm.indexOf(j)));
  const maps = perms.map((perm) => (id: number): number => {
    const i = indexOf.get(id);
    return i === undefined ? id : ids[perm[i]!]!;
  });
  r = { perms, inverse, maps, nodeFps: new WeakMap(), envFps: new WeakMap() };
  RENAMINGS.set(ids, r);
  return r;
}

function cached<K extends object>(cache: WeakMap<K, bigint[]>, key: K, p: number, compute: () => bigint): bigint {
  let fps = cache.get(key);
  if (fps === undefined) cache.set(key, (fps = []));
  return (fps[p] ??= compute());
}

/**
 * Symmetry reduction: the least fingerprint of the system over the renamings of its nodes that list them in
 * ascending order of {@link renamingInvariantSignature} (every renaming when they tie). Canonical, so paths
 * replay: the renamings of two states of one class that sort them reach the same renamed states. Each
 * renaming rehashes the nodes, disks, held sends and the network with ids mapped; sorting first leaves one
 * renaming to hash in most states instead of n!, and the renamed hashes of node states and messages are
 * cached per object, so a transition rehashes little more than the node it changed.
 */
export function raftRepresentative(sys: RaftSystemState, ids: readonly number[]): bigint {
  const n = ids.length;
  if (n > 5) throw new RangeError("raft symmetry reduction handles at most 5 nodes");
  const { perms, inverse, maps, nodeFps, envFps } = renamingsOf(ids);
  const signature = Array.from({ length: n }, (_, i) => renamingInvariantSignature(sys, i));
  let best: bigint | undefined;
  for (let p = 0; p < perms.length; p++) {
    const perm = perms[p]!;
    // perm sends node i to position perm[i]: keep the renamings that order the positions by signature.
    let sorted = true;
    for (let i = 0; i < n && sorted; i++) for (let k = 0; k < n; k++) if (perm[i]! < perm[k]! && signature[i]! > signature[k]!) sorted = false;
    if (!sorted) continue;
    const map = maps[p]!;
    const at = inverse[p]!;
    const h = new Hasher();
    // Position j of the renamed system holds the node that perm sends to j.
    for (let j = 0; j < n; j++) {
      const i = at[j]!;
      const node = sys.nodes[i];
      h.bool(node !== undefined);
      if (node !== undefined) {
        const fp = cached(nodeFps, node, p, () => raft.fingerprintRaft(node, { timers: false, renameNode: map }));
        h.int(Number(fp >> 32n)).int(Number(fp & 0xffffffffn));
      }
      const d = sys.disks[i]!;
      h.int(d.hardState.term).int(d.hardState.vote === 0 ? 0 : map(d.hardState.vote)).int(d.hardState.commit).int(d.entries.length);
      for (const e of d.entries) hashEntry(h, e);
      const q = sys.writes[i]!;
      h.int(q.length);
      for (const w of q) {
        h.int(w.held.length);
        for (const env of w.held) hashRaftMessage(h, env.msg, map);
      }
    }
    let net = 0n;
    for (const env of sys.net.all()) {
      const eh = cached(envFps, env, p, () => {
        const e = new Hasher().int(map(env.src)).int(map(env.dst));
        hashRaftMessage(e, env.msg, map);
        return e.digest();
      });
      net += eh * BigInt(sys.net.copies(env));
    }
    h.int(Number((net >> 32n) & 0xffffffffn)).int(Number(net & 0xffffffffn)).int(sys.crashes);
    for (let j = 0; j < n; j++) h.bool((sys.isolated & (1 << at[j]!)) !== 0);
    const fp = h.digest();
    if (best === undefined || fp < best) best = fp;
  }
  return best!;
}

/** A compact, readable form of a Raft message for paths. */
export function describeRaftMessage(m: Message): unknown {
  if (m.type === "append") {
    const { entries, ...rest } = m;
    return { ...rest, entries: entries.map((e) => [e.index, e.term]) };
  }
  return m;
}
