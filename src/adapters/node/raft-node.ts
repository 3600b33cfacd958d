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
import type { Entry, Input, Message, Output, PersistOutput, RaftConfig, RaftState, RejectedOutput, Role, SendOutput, Snapshot } from "../../core/raft/index.js";
import { OutputPipeline } from "./pipeline.js";
import { RaftStorage, loseUnsynced, nodeFileSystem, type FileSystem } from "../storage/index.js";
import { Transport, type PeerAddress, type TransportStats } from "../transport/index.js";
import type { WalStats } from "../storage/index.js";

/** The replicated state machine and the listener of the node's events. */
export interface RaftApplication {
  /** Restore `snapshot` (if given), then apply `entries` (committed, in order, each exactly once). */
  apply(entries: readonly Entry[], snapshot: Snapshot | undefined): void;
  /** A linearizable read may be served once the application applied `index`. */
  readReady?(requestId: string | number, index: number): void;
  /** Role, term or known leader changed. */
  roleChanged?(role: Role, term: number, leader: number): void;
  /** An input was refused (a proposal to a follower, a read that cannot be served, …). */
  rejected?(o: RejectedOutput): void;
}

/** Options of {@link RaftNode.start}. */
export interface RaftNodeOptions {
  readonly id: number;
  readonly clusterId: string;
  /** Bootstrap voters (every node of the cluster uses the same list). */
  readonly voters: readonly number[];
  /** Peers' transport addresses (more with {@link RaftNode.setPeer}). */
  readonly peers?: ReadonlyMap<number, PeerAddress>;
  /** Transport listen address. Default 127.0.0.1, any free port. */
  readonly listen?: { readonly host?: string; readonly port?: number };
  /** Data directory of the write-ahead log. */
  readonly dataDir: string;
  /** File system. Default: the real one. */
  readonly fs?: FileSystem;
  /** Keep unsynced writes in process memory until fdatasync, so kill -9 loses what a power failure would. */
  readonly loseUnsynced?: boolean;
  /** Milliseconds per tick. Default 100. */
  readonly tickMs?: number;
  /**
   * Raft options. Defaults: electionTick 10, heartbeatTick 1, preVote and checkQuorum on, maxSizePerMsg 1 MiB
   * (an append or snapshot chunk must fit in one transport frame).
   */
  readonly raft?: Partial<Omit<RaftConfig, "id" | "voters" | "seed" | "applied">>;
  /** Seed of the core's PRNG and the transport's backoff jitter. Default: the node id. */
  readonly seed?: number;
  readonly app: RaftApplication;
  /** Where the node, its storage and its transport report events. Default: stderr. */
  readonly log?: (line: string) => void;
  /** Called once if the node stops because storage failed. */
  readonly onFatal?: (error: Error) => void;
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
}

/** A running Raft node. */
export class RaftNode {
  private state!: RaftState;
  private readonly pipeline: OutputPipeline<Output, Input>;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly log: (line: string) => void;

  private constructor(
    private readonly o: RaftNodeOptions,
    private readonly storage: RaftStorage,
    private readonly transport: Transport<"raft">,
  ) {
    this.log = o.log ?? ((line) => process.stderr.write(`node[${o.id}]: ${line}\n`));
    const bug = o.plantedBug;
    this.pipeline = new OutputPipeline<Output, Input>({
      persist: (p) => this.storage.persist(p as PersistOutput),
      send: (s) => this.transport.send((s as SendOutput).message),
      perform: (x) => this.perform(x),
      feed: (i) => this.step(i),
      fatal: (e) => this.fatal(e),
      ...(bug === undefined ? {} : { sendsEarly: (s: Output) => bug === "ack-before-fsync" || (s as SendOutput).message.type === "vote-response" }),
    });
  }

  /** Recovers the node from its data directory, starts the transport and the tick timer. */
  static async start(o: RaftNodeOptions): Promise<RaftNode> {
    const log = o.log ?? ((line: string) => process.stderr.write(`node[${o.id}]: ${line}\n`));
    const base = o.fs ?? nodeFileSystem();
    const { storage, persisted } = await RaftStorage.open({ fs: o.loseUnsynced === true ? loseUnsynced(base) : base, dir: o.dataDir, identity: `${o.clusterId}/${o.id}`, log });
    let node: RaftNode | undefined;
    let transport: Transport<"raft">;
    try {
      transport = await Transport.start<"raft">({
        family: "raft",
        clusterId: o.clusterId,
        nodeId: o.id,
        host: o.listen?.host ?? "127.0.0.1",
        port: o.listen?.port ?? 0,
        peers: o.peers,
        seed: o.seed ?? o.id,
        log,
        onMessage: (message: Message) => node?.step({ type: "message", message }),
      });
    } catch (e) {
      await storage.close();
      throw e;
    }
    node = new RaftNode(o, storage, transport);
    const applied = persisted?.snapshot?.index ?? 0;
    node.state = raft.createRaft({ electionTick: 10, heartbeatTick: 1, preVote: true, checkQuorum: true, maxSizePerMsg: 1 << 20, ...o.raft, id: o.id, voters: o.voters, seed: o.seed ?? o.id, applied }, persisted);
    // The application starts from the snapshot; the core hands out the committed entries after it again.
    if (persisted?.snapshot !== undefined) o.app.apply([], persisted.snapshot);
    node.timer = setInterval(() => node.step({ type: "tick" }), o.tickMs ?? 100);
    return node;
  }

  /** The transport's listen port. */
  get port(): number {
    return this.transport.port;
  }

  /** Adds or moves a peer's transport address. */
  setPeer(id: number, address: PeerAddress): void {
    this.transport.setPeer(id, address);
  }

  /** Proposes application data (refusals reach `app.rejected`). */
  propose(data: Uint8Array): void {
    this.step({ type: "propose", data });
  }

  /** Asks for a linearizable read point (answered by `app.readReady` or `app.rejected`). */
  readIndex(requestId: string | number): void {
    this.step({ type: "read-index", requestId });
  }

  /** The application snapshotted its state at an applied `index`: compact the log. */
  compact(index: number, data: Uint8Array): void {
    this.step({ type: "snapshot", index, data });
  }

  /** Where the node stands. */
  status(): RaftNodeStatus {
    const s = this.state;
    return { id: this.o.id, role: raft.role(s), term: raft.term(s), leader: raft.leader(s), commit: raft.commitIndex(s), applied: raft.appliedIndex(s), lastIndex: raft.lastIndex(s) };
  }

  /** Storage and transport counters. */
  stats(): { storage: WalStats; transport: TransportStats } {
    return { storage: this.storage.stats(), transport: this.transport.stats() };
  }

  private step(input: Input): void {
    if (this.stopped) return;
    const r = raft.step(this.state, input);
    this.state = r.state;
    this.pipeline.handle(r.outputs);
  }

  private perform(o: Output): void {
    if (this.stopped) return;
    switch (o.type) {
      case "apply": {
        this.o.app.apply(o.entries, o.snapshot);
        const last = o.entries.length > 0 ? o.entries[o.entries.length - 1]!.index : o.snapshot?.index;
        if (last !== undefined) this.step({ type: "applied", index: last });
        return;
      }
      case "read-ready":
        this.o.app.readReady?.(o.requestId, o.index);
        return;
      case "role-change":
        this.log(`${o.role} in term ${o.term}${o.leader > 0 ? `, leader ${o.leader}` : ""}`);
        this.o.app.roleChanged?.(o.role, o.term, o.leader);
        return;
      case "rejected":
        this.o.app.rejected?.(o);
        return;
      case "send":
      case "persist":
        return; // the pipeline performs these
    }
  }

  private fatal(e: unknown): void {
    if (this.stopped) return;
    const err = e instanceof Error ? e : new Error(String(e));
    this.log(`stopping: ${err.message}`);
    void this.stop();
    this.o.onFatal?.(err);
  }

  /** Stops ticking, waits for the writes in flight, closes storage and transport. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.transport.close();
    await this.pipeline.idle();
    await this.storage.close();
  }
}
