/**
 * The one runtime loop both node runtimes (Raft, KRaft) drive their core with: it opens the data directory,
 * starts the transport and the tick timer, steps the core on every input, performs outputs through the shared
 * {@link OutputPipeline}, and stops the node on a fatal error. What differs between the cores — how storage is
 * opened, how the core is created and stepped, how application outputs are performed — comes in a
 * {@link CoreBinding}. See docs/runtime.md.
 * @module
 */
import { loseUnsynced, nodeFileSystem, type FileSystem, type WalStats } from "../storage/index.js";
import { Transport, type Family, type FamilyMessage, type PeerAddress, type TransportOptions, type TransportStats } from "../transport/index.js";
import { OutputPipeline, type PipelineHooks } from "./pipeline.js";

/** The options every node runtime shares. */
export interface NodeRuntimeOptions {
  readonly id: number;
  readonly clusterId: string;
  /** Peers' transport addresses (more with `setPeer`). */
  readonly peers?: ReadonlyMap<number, PeerAddress>;
  /** Transport listen address. Default 127.0.0.1, any free port. */
  readonly listen?: { readonly host?: string; readonly port?: number };
  /** Data directory of the write-ahead log. */
  readonly dataDir: string;
  /** File system. Default: the real one. */
  readonly fs?: FileSystem;
  /** Keep unsynced writes in process memory until fdatasync, so kill -9 loses what a power failure would. */
  readonly loseUnsynced?: boolean;
  /** Size at which the write-ahead log starts a new segment. Default 16 MiB (segments are preallocated with zeros; etcd uses 64 MiB). */
  readonly segmentBytes?: number;
  /**
   * Bounds of each peer's send queue (frames, bytes, and the tail kept while the peer is unreachable); the
   * transport's defaults otherwise. See docs/runtime.md.
   */
  readonly peerQueue?: Pick<TransportOptions<Family>, "queueLimit" | "queueBytes" | "unreachableLimit">;
  /** Seed of the core's PRNG and the transport's backoff jitter. Default: the node id. */
  readonly seed?: number;
  /** Where the node, its storage and its transport report events. Default: stderr. */
  readonly log?: (line: string) => void;
  /** Called once if the node stops (storage failure, or a core-specific fatal condition). */
  readonly onFatal?: (error: Error) => void;
}

/** The durable log a runtime writes a core's persist outputs to. */
export interface RuntimeStorage<O, I> {
  /** Makes a persist output durable; resolves with the acknowledgement inputs for the core. */
  persist(o: O): Promise<readonly I[]>;
  stats(): WalStats;
  close(): Promise<void>;
}

/** What a runtime needs to know about one core. */
export interface CoreBinding<F extends Family, S, I, O extends { readonly type: string }, P> {
  readonly family: F;
  /** Prefix of the default stderr log lines (`<prefix>[<id>]: …`). */
  readonly logPrefix: string;
  /** Timer period in milliseconds: one `tick` input each. */
  readonly tickMs: number;
  /** Opens the data directory. */
  open(options: { fs: FileSystem; dir: string; identity: string; log: (line: string) => void; segmentBytes?: number }): Promise<{ storage: RuntimeStorage<O, I>; persisted: P }>;
  /** Restarts the core from what storage recovered (called before the timer starts). */
  create(persisted: P): S;
  step(state: S, input: I): { readonly state: S; readonly outputs: readonly O[] };
  readonly tick: I;
  message(message: FamilyMessage<F>): I;
  /** The message of a send output. */
  sent(o: O): FamilyMessage<F>;
  /** An output of a step that must stop the node instead of being performed (the step is then discarded). */
  fatalOutput?(outputs: readonly O[]): Error | undefined;
  /**
   * Performs an application output (not send/persist); `feed` steps the core with a follow-up input, `log` is
   * the node's log.
   */
  perform(o: O, feed: (input: I) => void, log: (line: string) => void): void;
  /** Planted bugs (tests only): see {@link PipelineHooks.sendsEarly}. */
  sendsEarly?(o: O): boolean;
  /**
   * A line to log when this send output leaves, or undefined (most sends are not worth a line). The torture
   * harness watches these lines to time its faults, e.g. a crash right after a vote was granted.
   */
  describeSend?(o: O): string | undefined;
  /** See {@link PipelineHooks.stepLocal}. */
  readonly stepLocal?: boolean;
}

/** A running core: storage, transport, timer and the step loop. */
export class NodeRuntime<F extends Family, S, I, O extends { readonly type: string }, P> {
  private state!: S;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly pipeline: OutputPipeline<O, I>;

  private constructor(
    private readonly o: NodeRuntimeOptions,
    private readonly core: CoreBinding<F, S, I, O, P>,
    private readonly storage: RuntimeStorage<O, I>,
    private readonly transport: Transport<F>,
    /** Where the node reports events. */
    readonly log: (line: string) => void,
  ) {
    const early = core.sendsEarly;
    this.pipeline = new OutputPipeline<O, I>({
      persist: (p) => this.storage.persist(p),
      send: (s) => {
        const line = core.describeSend?.(s);
        if (line !== undefined) this.log(line);
        this.transport.send(core.sent(s));
      },
      perform: (x) => {
        if (!this.stopped) core.perform(x, (i) => this.step(i), this.log);
      },
      flushSends: () => this.transport.flushAll(),
      feed: (i) => this.step(i),
      fatal: (e) => this.fatal(e),
      ...(early === undefined ? {} : { sendsEarly: (s: O) => early(s) }),
      ...(core.stepLocal === true ? { stepLocal: true } : {}),
    });
  }

  /** Recovers the core from its data directory, starts the transport and the tick timer. */
  static async start<F extends Family, S, I, O extends { readonly type: string }, P>(
    o: NodeRuntimeOptions,
    core: CoreBinding<F, S, I, O, P>,
  ): Promise<NodeRuntime<F, S, I, O, P>> {
    const log = o.log ?? ((line: string) => process.stderr.write(`${core.logPrefix}[${o.id}]: ${line}\n`));
    const base = o.fs ?? nodeFileSystem();
    const { storage, persisted } = await core.open({ fs: o.loseUnsynced === true ? loseUnsynced(base) : base, dir: o.dataDir, identity: `${o.clusterId}/${o.id}`, log, ...(o.segmentBytes === undefined ? {} : { segmentBytes: o.segmentBytes }) });
    let node: NodeRuntime<F, S, I, O, P> | undefined;
    let transport: Transport<F>;
    try {
      transport = await Transport.start<F>({
        family: core.family,
        clusterId: o.clusterId,
        nodeId: o.id,
        host: o.listen?.host ?? "127.0.0.1",
        port: o.listen?.port ?? 0,
        peers: o.peers,
        seed: o.seed ?? o.id,
        ...o.peerQueue,
        log,
        onMessage: (message) => node?.step(core.message(message)),
      });
    } catch (e) {
      await storage.close();
      throw e;
    }
    node = new NodeRuntime(o, core, storage, transport, log);
    node.state = core.create(persisted);
    node.timer = setInterval(() => node.step(core.tick), core.tickMs);
    return node;
  }

  /** The core's current state. */
  get current(): S {
    return this.state;
  }

  /** The transport's listen port. */
  get port(): number {
    return this.transport.port;
  }

  /** Adds or moves a peer's transport address. */
  setPeer(id: number, address: PeerAddress): void {
    this.transport.setPeer(id, address);
  }

  /** Storage and transport counters. */
  stats(): { storage: WalStats; transport: TransportStats } {
    return { storage: this.storage.stats(), transport: this.transport.stats() };
  }

  /** Steps the core with one input and performs its outputs (nothing once stopped). */
  step(input: I): void {
    if (this.stopped) return;
    const r = this.core.step(this.state, input);
    const fatal = this.core.fatalOutput?.(r.outputs);
    if (fatal !== undefined) return this.fatal(fatal);
    this.state = r.state;
    this.pipeline.handle(r.outputs);
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

/** The public face both node classes share: port, peers, counters and stop, over their {@link NodeRuntime}. */
export abstract class RuntimeNode<F extends Family, S, I, O extends { readonly type: string }, P> {
  protected constructor(protected readonly rt: NodeRuntime<F, S, I, O, P>) {}

  /** The transport's listen port. */
  get port(): number {
    return this.rt.port;
  }

  /** Adds or moves a peer's transport address. */
  setPeer(id: number, address: PeerAddress): void {
    this.rt.setPeer(id, address);
  }

  /** Storage and transport counters. */
  stats(): { storage: WalStats; transport: TransportStats } {
    return this.rt.stats();
  }

  /** Stops ticking, waits for the writes in flight, closes storage and transport. */
  stop(): Promise<void> {
    return this.rt.stop();
  }
}
