/**
 * The node runtime for the KRaft core: ticks from a timer, messages from the TCP transport, acknowledgements
 * from durable storage (`KRaftStorage`), outputs performed per the durability contract through the shared
 * {@link OutputPipeline}. Committed records go to the application; a safety rejection (a truncation below the
 * high watermark, two leaders in an epoch) or a storage failure stops the node (`onFatal`), as Kafka stops its
 * raft client.
 * @module
 */
import * as kraft from "../../core/kraft/index.js";
import type { Entry, Input, KRaftConfig, KRaftState, Message, Output, PersistedState, Role, Snapshot } from "../../core/kraft/index.js";
import { KRaftStorage, type KRaftPersist } from "../storage/index.js";
import { NodeRuntime, RuntimeNode, type NodeRuntimeOptions } from "./runtime.js";

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
export interface KRaftNodeOptions extends NodeRuntimeOptions {
  /** Bootstrap voters. */
  readonly voters: readonly number[];
  /** KRaft options (timeouts in ms, `tickMs` is also the timer period). Default tickMs 50. */
  readonly kraft?: Partial<Omit<KRaftConfig, "id" | "voters" | "seed">>;
  readonly app: KRaftApplication;
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
export class KRaftNode extends RuntimeNode<"kraft", KRaftState, Input, Output, PersistedState | undefined> {
  private constructor(
    private readonly o: KRaftNodeOptions,
    rt: NodeRuntime<"kraft", KRaftState, Input, Output, PersistedState | undefined>,
  ) {
    super(rt);
  }

  /** Recovers the replica from its data directory, starts the transport and the tick timer. */
  static async start(o: KRaftNodeOptions): Promise<KRaftNode> {
    const rt = await NodeRuntime.start(o, {
      family: "kraft",
      logPrefix: "kraft",
      tickMs: o.kraft?.tickMs ?? 50,
      open: async (opts) => {
        const { storage, persisted } = await KRaftStorage.open(opts);
        return { storage: { persist: async (p: Output) => [await storage.persist(p as KRaftPersist)], stats: () => storage.stats(), close: () => storage.close() }, persisted };
      },
      create: (persisted: PersistedState | undefined) => kraft.createKRaft({ ...o.kraft, id: o.id, voters: o.voters, seed: o.seed ?? o.id }, persisted),
      step: kraft.step,
      tick: { type: "tick" },
      message: (message: Message): Input => ({ type: "message", message }),
      sent: (s) => (s as SendOutput).message,
      fatalOutput: (outputs) => {
        const fatal = outputs.find((x) => x.type === "rejected" && (x.reason === "truncate-below-high-watermark" || x.reason === "two-leaders-in-epoch"));
        return fatal !== undefined && fatal.type === "rejected" ? new Error(`safety rule: ${fatal.reason}: ${fatal.detail}`) : undefined;
      },
      perform: (x, feed, log) => perform(o.app, x, feed, log),
    });
    return new KRaftNode(o, rt);
  }

  /** Appends records (leader only; refusals reach `app.rejected`). */
  append(records: readonly Uint8Array[]): void {
    this.rt.step({ type: "append", records });
  }

  /** The application snapshotted everything below `endOffset`. */
  createSnapshot(endOffset: number, data: Uint8Array): void {
    this.rt.step({ type: "create-snapshot", endOffset, data });
  }

  /** Where the replica stands. */
  status(): KRaftNodeStatus {
    const s = this.rt.current;
    return { id: this.o.id, role: kraft.role(s), epoch: kraft.epoch(s), leader: kraft.leader(s), highWatermark: kraft.highWatermark(s) };
  }
}

/** Performs one application output of the KRaft core. */
function perform(app: KRaftApplication, o: Output, feed: (input: Input) => void, log: (line: string) => void): void {
  switch (o.type) {
    case "commit":
      app.commit(o.entries, o.highWatermark);
      if (o.entries.length > 0) feed({ type: "applied", offset: o.entries[o.entries.length - 1]!.offset + 1 });
      return;
    case "load-snapshot":
      app.loadSnapshot(o.snapshot);
      return;
    case "role-change":
      log(`${o.role} in epoch ${o.epoch}${o.leaderId >= 0 ? `, leader ${o.leaderId}` : ""}`);
      app.roleChanged?.(o.role, o.epoch, o.leaderId);
      return;
    case "appended":
      app.appended?.(o.epoch, o.baseOffset, o.endOffset);
      return;
    case "rejected":
      app.rejected?.(o);
      return;
    case "send":
    case "persist":
      return; // the pipeline performs these
  }
}
