/**
 * The node runtime for the Raft core: a process-level driver that feeds the pure core ticks from a timer,
 * messages from the TCP transport and acknowledgements from durable storage, and performs its outputs exactly
 * per the durability contract (docs/raft.md) through the shared {@link OutputPipeline}.
 *
 * No protocol logic lives here: the application state machine is a callback interface. A storage failure stops
 * the node (`onFatal`): it must restart from what is durable.
 * @module
 */
import * as raft from "../../core/raft/index.js";
import type { Entry, Input, Message, Output, PersistedState, RaftConfig, RaftState, RejectedOutput, Role, SendOutput, Snapshot } from "../../core/raft/index.js";
import { NodeRuntime, RuntimeNode, type NodeRuntimeOptions } from "./runtime.js";
import { RaftStorage } from "../storage/index.js";
import { CompactionPolicy, checkCompactionOptions, type CompactionOptions } from "./compaction.js";

/** The replicated state machine and the listener of the node's events. */
export interface RaftApplication {
  /** Restore `snapshot` (if given), then apply `entries` (committed, in order, each exactly once). */
  apply(entries: readonly Entry[], snapshot: Snapshot | undefined): void;
  /** A linearizable read may be served once the application applied `index`. */
  readReady?(requestId: string | number, index: number): void;
  /**
   * The application state as of the last `apply`, as bytes: a snapshot's data (handed back to `apply` on restart
   * and on a follower that installs it). Without it the node never compacts its log.
   */
  snapshot?(): Uint8Array;
  /** Role, term or known leader changed. */
  roleChanged?(role: Role, term: number, leader: number): void;
  /** An input was refused (a proposal to a follower, a read that cannot be served, …). */
  rejected?(o: RejectedOutput): void;
}

/** Options of {@link RaftNode.start}. */
export interface RaftNodeOptions extends NodeRuntimeOptions {
  /** Bootstrap voters (every node of the cluster uses the same list). */
  readonly voters: readonly number[];
  /** Milliseconds per tick. Default 100. */
  readonly tickMs?: number;
  /**
   * Raft options. Defaults: electionTick 10, heartbeatTick 1, preVote, checkQuorum and lazyCommit on (the
   * application answers its clients on the leader only), maxSizePerMsg 1 MiB (an append or snapshot chunk must
   * fit in one transport frame).
   */
  readonly raft?: Partial<Omit<RaftConfig, "id" | "voters" | "seed" | "applied">>;
  readonly app: RaftApplication;
  /**
   * When to snapshot the application (`app.snapshot`) and compact the log, etcd-style: every `snapshotCount`
   * applied entries (default 10000), keeping `catchUpEntries` behind the snapshot. The write-ahead log then
   * drops the segments the snapshot covers.
   */
  readonly compaction?: CompactionOptions;
  /**
   * A deliberately broken durability rule, for the tests that prove the checks catch it — never in production:
   * `ack-before-fsync` sends every message of a step before its persist is durable; `vote-before-durable` sends
   * vote replies before the persisted vote is.
   */
  readonly plantedBug?: PlantedBug;
}

/** The durability bugs a node can be started with (tests only). */
export type PlantedBug = "ack-before-fsync" | "vote-before-durable";

/** A snapshot of the node's progress. */
export interface RaftNodeStatus {
  readonly id: number;
  readonly role: Role;
  readonly term: number;
  readonly leader: number;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  /** Index of the snapshot the log starts after (0: never compacted). */
  readonly snapshotIndex: number;
}

/** A running Raft node. */
export class RaftNode extends RuntimeNode<"raft", RaftState, Input, Output, PersistedState | undefined> {
  /** Proposals waiting for the end of this turn of the event loop. */
  private proposals: Uint8Array[] = [];

  private constructor(
    private readonly o: RaftNodeOptions,
    rt: NodeRuntime<"raft", RaftState, Input, Output, PersistedState | undefined>,
  ) {
    super(rt);
  }

  /** Recovers the node from its data directory, starts the transport and the tick timer. */
  static async start(o: RaftNodeOptions): Promise<RaftNode> {
    const bug = o.plantedBug;
    const invalid = checkCompactionOptions(o.compaction ?? {});
    if (invalid !== undefined) throw new RangeError(`compaction: ${invalid}`);
    let compaction: CompactionPolicy | undefined;
    const rt = await NodeRuntime.start(o, {
      family: "raft",
      logPrefix: "node",
      tickMs: o.tickMs ?? 100,
      open: (opts) => RaftStorage.open(opts),
      create: (persisted: PersistedState | undefined) => {
        const applied = persisted?.snapshot?.index ?? 0;
        compaction = o.app.snapshot === undefined ? undefined : new CompactionPolicy(o.compaction ?? {}, applied);
        const state = raft.createRaft({ electionTick: 10, heartbeatTick: 1, preVote: true, checkQuorum: true, lazyCommit: true, maxSizePerMsg: 1 << 20, ...o.raft, id: o.id, voters: o.voters, seed: o.seed ?? o.id, applied }, persisted);
        // The application starts from the snapshot; the core hands out the committed entries after it again.
        if (persisted?.snapshot !== undefined) o.app.apply([], persisted.snapshot);
        return state;
      },
      step: raft.step,
      tick: { type: "tick" },
      message: (message: Message): Input => ({ type: "message", message }),
      sent: (s) => (s as SendOutput).message,
      perform: (x, feed, log) => perform(o.app, compaction, x, feed, log),
      describeSend: (s: Output) => {
        const m = (s as SendOutput).message;
        return m.type === "vote-response" && !m.reject ? `granted vote to ${m.to} in term ${m.term}` : undefined;
      },
      // The core applies only entries reported durable; a step's outputs wait for its own persist alone.
      stepLocal: true,
      ...(bug === undefined ? {} : { sendsEarly: (s: Output) => bug === "ack-before-fsync" || (s as SendOutput).message.type === "vote-response" }),
    });
    return new RaftNode(o, rt);
  }

  /**
   * Proposes application data (refusals reach `app.rejected`). The proposals of one turn of the event loop go
   * to the core together, as one `propose` input: one log write and one append per follower for all of them
   * (etcd batches the proposals of a Ready alike).
   */
  propose(data: Uint8Array): void {
    this.proposals.push(data);
    if (this.proposals.length === 1) {
      setImmediate(() => {
        const batch = this.proposals;
        this.proposals = [];
        this.rt.step({ type: "propose", data: batch.length === 1 ? batch[0]! : batch });
      });
    }
  }

  /** Asks for a linearizable read point (answered by `app.readReady` or `app.rejected`). */
  readIndex(requestId: string | number): void {
    this.rt.step({ type: "read-index", requestId });
  }

  /** Where the node stands. */
  status(): RaftNodeStatus {
    const s = this.rt.current;
    return { id: this.o.id, role: raft.role(s), term: raft.term(s), leader: raft.leader(s), commit: raft.commitIndex(s), applied: raft.appliedIndex(s), lastIndex: raft.lastIndex(s), snapshotIndex: raft.snapshotIndex(s) };
  }
}

/**
 * Performs one application output of the Raft core; after an apply, compacts the log when `compaction` says a
 * snapshot is due.
 */
function perform(app: RaftApplication, compaction: CompactionPolicy | undefined, o: Output, feed: (input: Input) => void, log: (line: string) => void): void {
  switch (o.type) {
    case "apply": {
      app.apply(o.entries, o.snapshot);
      if (o.snapshot !== undefined) {
        log(`installed the leader's snapshot at index ${o.snapshot.index} (term ${o.snapshot.term}, ${o.snapshot.data.byteLength} bytes)`);
        compaction?.restored(o.snapshot.index);
      }
      const last = o.entries.length > 0 ? o.entries[o.entries.length - 1]!.index : o.snapshot?.index;
      if (last === undefined) return;
      feed({ type: "applied", index: last });
      const due = compaction?.afterApply(last, () => app.snapshot!());
      if (due !== undefined) {
        log(`snapshot at index ${due.index} (${due.data.byteLength} bytes): compacting the log`);
        feed({ type: "snapshot", index: due.index, data: due.data });
      }
      return;
    }
    case "read-ready":
      app.readReady?.(o.requestId, o.index);
      return;
    case "role-change":
      log(`${o.role} in term ${o.term}${o.leader > 0 ? `, leader ${o.leader}` : ""}`);
      app.roleChanged?.(o.role, o.term, o.leader);
      return;
    case "rejected":
      app.rejected?.(o);
      return;
    case "send":
    case "persist":
      return; // the pipeline performs these
  }
}
