/**
 * The node runtime for the KRaft core: ticks from a timer, messages from the TCP transport, acknowledgements
 * from durable storage (`KRaftStorage`), outputs performed per the durability contract through the shared
 * {@link OutputPipeline}. Committed records go to the application; a safety rejection (a truncation below the
 * high watermark, two leaders in an epoch) or a storage failure stops the node (`onFatal`), as Kafka stops its
 * raft client.
 * @module
 */
import * as kraft from "../../core/kraft/index.js";
import type { Entry, Input, KRaftConfig, KRaftState, Message, Output, Role, Snapshot } from "../../core/kraft/index.js";
import { KRaftStorage, loseUnsynced, nodeFileSystem, type FileSystem, type KRaftPersist, type WalStats } from "../storage/index.js";
import { Transport, type PeerAddress, type TransportStats } from "../transport/index.js";
import { OutputPipeline } from "./pipeline.js";

type SendOutput = Extract<Output, { type: "send" }>;
type RejectedOutput = Extract<Output, { type: "rejected" }>;

/** The replicated state machine and the listener of the replica's events. */
export interface KRaftApplication {
  /** Newly committed records, in order, each exactly once; `highWatermark` is the new high watermark. */
  commit(entries: readonly Entry[], highWatermark: number): void;
  /** Replace the state by this snapshot before the next commit. */
  loadSnapshot(snapshot: Snapshot): void;
  /** Role, epoch or known leader changed. */
  roleChanged?(role: Role, epoch: number, leaderId: number): void;
  /** A leader accepted an append: its records got offsets [baseOffset, endOffset). */
  appended?(epoch: number, baseOffset: number, endOffset: number): void;
  /** An input was refused. */
  rejected?(o: RejectedOutput): void;
}

/** Options of {@link KRaftNode.start}. */
export interface KRaftNodeOptions {
  readonly id: number;
  readonly clusterId: string;
  /** Bootstrap voters. */
  readonly voters: readonly number[];
  readonly peers?: ReadonlyMap<number, PeerAddress>;
  readonly listen?: { readonly host?: string; readonly port?: number };
  readonly dataDir: string;
  readonly fs?: FileSystem;
  readonly loseUnsynced?: boolean;
  /** KRaft options (timeouts in ms, `tickMs` is also the timer period). Default tickMs 50. */
  readonly kraft?: Partial<Omit<KRaftConfig, "id" | "voters" | "seed">>;
  readonly seed?: number;
  readonly app: KRaftApplication;
  readonly log?: (line: string) => void;
  /** Called once if the node stops (storage failure, safety rejection). */
  readonly onFatal?: (error: Error) => void;
}

/** Where the replica stands. */
export interface KRaftNodeStatus {
  readonly id: number;
  readonly role: Role;
  readonly epoch: number;
  readonly leader: number;
  readonly highWatermark: number;
}

/** A running KRaft replica. */
export class KRaftNode {
  private state!: KRaftState;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly log: (line: string) => void;
  private readonly pipeline: OutputPipeline<Output, Input>;

  private constructor(
    private readonly o: KRaftNodeOptions,
    private readonly storage: KRaftStorage,
    private readonly transport: Transport<"kraft">,
  ) {
    this.log = o.log ?? ((line) => process.stderr.write(`kraft[${o.id}]: ${line}\n`));
    this.pipeline = new OutputPipeline<Output, Input>({
      persist: async (p) => [await this.storage.persist(p as KRaftPersist)],
      send: (s) => this.transport.send((s as SendOutput).message),
      perform: (x) => this.perform(x),
      feed: (i) => this.step(i),
      fatal: (e) => this.fatal(e),
    });
  }

  /** Recovers the replica from its data directory, starts the transport and the tick timer. */
  static async start(o: KRaftNodeOptions): Promise<KRaftNode> {
    const log = o.log ?? ((line: string) => process.stderr.write(`kraft[${o.id}]: ${line}\n`));
    const base = o.fs ?? nodeFileSystem();
    const { storage, persisted } = await KRaftStorage.open({ fs: o.loseUnsynced === true ? loseUnsynced(base) : base, dir: o.dataDir, identity: `${o.clusterId}/${o.id}`, log });
    let node: KRaftNode | undefined;
    let transport: Transport<"kraft">;
    try {
      transport = await Transport.start<"kraft">({
        family: "kraft",
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
    node = new KRaftNode(o, storage, transport);
    node.state = kraft.createKRaft({ ...o.kraft, id: o.id, voters: o.voters, seed: o.seed ?? o.id }, persisted);
    node.timer = setInterval(() => node.step({ type: "tick" }), o.kraft?.tickMs ?? 50);
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

  /** Appends records (leader only; refusals reach `app.rejected`). */
  append(records: readonly Uint8Array[]): void {
    this.step({ type: "append", records });
  }

  /** The application snapshotted everything below `endOffset`. */
  createSnapshot(endOffset: number, data: Uint8Array): void {
    this.step({ type: "create-snapshot", endOffset, data });
  }

  /** Where the replica stands. */
  status(): KRaftNodeStatus {
    const s = this.state;
    return { id: this.o.id, role: kraft.role(s), epoch: kraft.epoch(s), leader: kraft.leader(s), highWatermark: kraft.highWatermark(s) };
  }

  /** Storage and transport counters. */
  stats(): { storage: WalStats; transport: TransportStats } {
    return { storage: this.storage.stats(), transport: this.transport.stats() };
  }

  private step(input: Input): void {
    if (this.stopped) return;
    const r = kraft.step(this.state, input);
    const fatal = r.outputs.find((x) => x.type === "rejected" && (x.reason === "truncate-below-high-watermark" || x.reason === "two-leaders-in-epoch"));
    if (fatal !== undefined && fatal.type === "rejected") return this.fatal(new Error(`safety rule: ${fatal.reason}: ${fatal.detail}`));
    this.state = r.state;
    this.pipeline.handle(r.outputs);
  }

  private perform(o: Output): void {
    if (this.stopped) return;
    switch (o.type) {
      case "commit":
        this.o.app.commit(o.entries, o.highWatermark);
        if (o.entries.length > 0) this.step({ type: "applied", offset: o.entries[o.entries.length - 1]!.offset + 1 });
        return;
      case "load-snapshot":
        this.o.app.loadSnapshot(o.snapshot);
        return;
      case "role-change":
        this.log(`${o.role} in epoch ${o.epoch}${o.leaderId >= 0 ? `, leader ${o.leaderId}` : ""}`);
        this.o.app.roleChanged?.(o.role, o.epoch, o.leaderId);
        return;
      case "appended":
        this.o.app.appended?.(o.epoch, o.baseOffset, o.endOffset);
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
