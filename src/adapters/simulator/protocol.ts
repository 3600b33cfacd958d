import type { NodeId, ObservedEntry, Role, TraceRecord, Violation } from "../../check/invariants/index.js";

/** A client operation sent to a node. Ids are unique per operation; retries reuse the id. */
export interface ClientRequest {
  readonly id: number;
  readonly f: "write" | "read";
  readonly key: string;
  /** For writes: the value to store. */
  readonly value: string;
}

/** A node's answer to a client request. */
export interface ClientReply {
  readonly ok: boolean;
  /** Read result (null for an absent key). */
  readonly value?: string | null;
  /** Where an acknowledged write was committed. */
  readonly index?: number;
  readonly term?: number;
  /** For a refusal: the leader to try instead (0 when unknown). */
  readonly leaderHint?: NodeId;
  readonly reason?: string;
}

/** What a durable write made durable, for the `durable` observation record. */
export interface DurableInfo {
  readonly term: number;
  readonly vote: NodeId | 0;
  readonly commit?: number;
  readonly from?: number;
  readonly entries?: readonly ObservedEntry[];
  readonly snapshot?: { readonly index: number; readonly term: number };
}

/**
 * The effects a protocol step asks of the simulator. Order matters: `send`s issued after a `persist` in
 * the same step (or while an earlier write is still in flight) leave only once that write is durable.
 */
export interface Effects<M, W> {
  send(to: NodeId, message: M): void;
  persist(write: W): void;
  reply(requestId: number, reply: ClientReply): void;
  /** Observation: the node's log from `from` on is now `entries` (see `LogRecord`). */
  log(from: number, entries: readonly ObservedEntry[]): void;
  /** Observation: the node's log now starts after a snapshot at (index, term). */
  snapshot(index: number, term: number): void;
}

/** A node's scalar state as the simulator and the invariants see it (filled in place, no allocation). */
export interface NodeView {
  term: number;
  role: Role;
  vote: NodeId | 0;
  commit: number;
  applied: number;
  leader: NodeId | 0;
}

/** Checks observation records as they happen (e.g. `RaftInvariants`). */
export interface ObservationChecker {
  observe(record: TraceRecord, step: number): readonly Violation[];
}

/**
 * How the simulator drives one protocol: a pure step function wrapped so that inputs are built and outputs
 * are read through `Effects`. `S` is a node's state, `M` a message, `W` a storage write, `D` a node's disk.
 * Implementations must be deterministic: everything random comes from the `seed` given to `start`.
 */
export interface Protocol<S, M, W, D> {
  readonly name: string;
  /** A blank disk for a node's first boot. */
  emptyDisk(): D;
  /** Boots (or restarts, from `disk`) node `id` of `cluster`. */
  start(id: NodeId, cluster: readonly NodeId[], seed: number, disk: D, fx: Effects<M, W>): S;
  /** Makes `write` durable on `disk` (in place) and says what became durable. */
  applyWrite(disk: D, write: W): DurableInfo;
  tick(state: S, fx: Effects<M, W>): S;
  receive(state: S, message: M, fx: Effects<M, W>): S;
  /** The disk acknowledged `write` (called after `applyWrite`). */
  persisted(state: S, write: W, fx: Effects<M, W>): S;
  request(state: S, request: ClientRequest, fx: Effects<M, W>): S;
  view(state: S, out: NodeView): void;
  /** Short description of a message for traces and diagrams. */
  describe(message: M): { readonly kind: string; readonly term: number };
  /** True for a message that may leave before its node's earlier writes are durable (see `SimOptions.sendOrder`). */
  overtakes?(message: M): boolean;
  /** A fresh safety checker fed with every observation, or undefined for none. */
  checker?(): ObservationChecker;
}

/** A protocol whose type parameters are not known to the caller. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProtocol = Protocol<any, any, any, any>;
