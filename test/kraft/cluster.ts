// A tiny synchronous driver for KRaft unit and property tests: in-memory storage per node that applies
// `persist` outputs, a message queue, crash/restart, optional manual durability acknowledgements.
import { createKRaft, step, role, epoch, endOffset, lastEpochOf } from "../../src/core/kraft/index.js";
import type { Entry, Input, KRaftConfig, KRaftState, Message, Output, PersistedState, QuorumStateRecord, Snapshot } from "../../src/core/kraft/index.js";

export interface Storage {
  quorumState: QuorumStateRecord;
  entries: Entry[];
  snapshot?: Snapshot;
  /** End offset last acknowledged durable: a crash loses entries written after it. */
  ackedEnd: number;
}

export interface ClusterOptions {
  voters: number[];
  observers?: number[];
  seed?: number;
  config?: Partial<KRaftConfig>;
  /** Acknowledge every persist at once (default true). */
  autoPersist?: boolean;
  /** Test-only fault injection: rewrite a node's outputs (a "mutant" core) to prove the checks have teeth. */
  mutate?: (id: number, outputs: Output[]) => Output[];
}

export class Cluster {
  readonly nodes = new Map<number, KRaftState>();
  readonly storage = new Map<number, Storage>();
  readonly down = new Set<number>();
  queue: Message[] = [];
  readonly outputs = new Map<number, Output[]>();
  /** Committed records handed to each node's listener, in order. */
  readonly delivered = new Map<number, Entry[]>();
  readonly configs = new Map<number, KRaftConfig>();
  autoPersist: boolean;
  /** Drop messages for which this returns true. */
  dropIf: (m: Message) => boolean = () => false;

  constructor(readonly opts: ClusterOptions) {
    this.autoPersist = opts.autoPersist ?? true;
    const all = [...opts.voters, ...(opts.observers ?? [])];
    for (const id of all) {
      const cfg: KRaftConfig = { id, voters: opts.voters, seed: (opts.seed ?? 1) * 1000 + id, ...opts.config };
      this.configs.set(id, cfg);
      this.nodes.set(id, createKRaft(cfg));
      this.storage.set(id, { quorumState: { epoch: 0, leaderId: -1, votedId: -1, votedDirectoryId: "" }, entries: [], ackedEnd: 0 });
      this.outputs.set(id, []);
      this.delivered.set(id, []);
    }
  }

  get ids(): number[] {
    return [...this.nodes.keys()];
  }

  node(id: number): KRaftState {
    return this.nodes.get(id)!;
  }

  /** Feed one input to a node and process its outputs. */
  input(id: number, input: Input): Output[] {
    if (this.down.has(id)) return [];
    const r = step(this.node(id), input);
    const state = r.state;
    const outputs = this.opts.mutate ? this.opts.mutate(id, r.outputs) : r.outputs;
    this.nodes.set(id, state);
    this.outputs.get(id)!.push(...outputs);
    let wrote = false;
    for (const o of outputs) {
      if (o.type === "persist") {
        this.applyPersist(id, o);
        if (o.entries || o.snapshot || o.truncateTo !== undefined) wrote = true;
      } else if (o.type === "send") {
        if (!this.dropIf(o.message)) this.queue.push(o.message);
      } else if (o.type === "commit") {
        this.delivered.get(id)!.push(...o.entries);
      } else if (o.type === "load-snapshot") {
        this.delivered.set(id, []);
      }
    }
    if (wrote && this.autoPersist) this.ack(id);
    return outputs;
  }

  /** Acknowledge everything in storage as durable. */
  ack(id: number): Output[] {
    const st = this.storage.get(id)!;
    const last = st.entries[st.entries.length - 1];
    const end = last ? last.offset + 1 : (st.snapshot?.id.endOffset ?? 0);
    const ep = last ? last.epoch : (st.snapshot?.id.epoch ?? 0);
    st.ackedEnd = end;
    return this.input(id, { type: "persisted", endOffset: end, epoch: ep });
  }

  private applyPersist(id: number, o: Extract<Output, { type: "persist" }>): void {
    const st = this.storage.get(id)!;
    if (o.quorumState) st.quorumState = o.quorumState;
    if (o.truncateTo !== undefined) {
      st.entries = st.entries.filter((e) => e.offset < o.truncateTo!);
      st.ackedEnd = Math.min(st.ackedEnd, o.truncateTo);
    }
    if (o.entries) {
      for (const e of o.entries) {
        const last = st.entries[st.entries.length - 1];
        const expect = last ? last.offset + 1 : (st.snapshot?.id.endOffset ?? 0);
        if (e.offset !== expect) throw new Error(`driver: node ${id} persisted offset ${e.offset}, expected ${expect}`);
        st.entries.push(e);
      }
    }
    if (o.snapshot) {
      st.snapshot = o.snapshot;
      st.entries = st.entries.filter((e) => e.offset >= o.snapshot!.id.endOffset);
      st.ackedEnd = Math.max(st.ackedEnd, o.snapshot.id.endOffset);
    }
  }

  tick(id: number): void {
    this.input(id, { type: "tick" });
  }

  /** Deliver one queued message (FIFO by default, or the one at `index`). */
  deliverOne(index = 0): boolean {
    const m = this.queue.splice(index, 1)[0];
    if (m === undefined) return false;
    if (!this.nodes.has(m.to) || this.down.has(m.to)) return true;
    this.input(m.to, { type: "message", message: m });
    return true;
  }

  deliverAll(max = 100_000): void {
    for (let i = 0; i < max && this.queue.length > 0; i++) this.deliverOne();
  }

  /** Tick every live node `n` times, delivering all messages after each round. */
  run(n: number): void {
    for (let i = 0; i < n; i++) {
      for (const id of this.ids) this.tick(id);
      this.deliverAll();
    }
  }

  /** Run until `pred` holds, at most `max` rounds; returns rounds used. */
  runUntil(pred: () => boolean, max = 2000): number {
    for (let i = 0; i < max; i++) {
      if (pred()) return i;
      this.run(1);
    }
    throw new Error("runUntil: condition not reached");
  }

  leaders(): number[] {
    return this.ids.filter((id) => !this.down.has(id) && role(this.node(id)) === "leader");
  }

  leader(): number {
    const ls = this.leaders().sort((a, b) => epoch(this.node(b)) - epoch(this.node(a)));
    if (ls.length === 0) throw new Error("no leader");
    return ls[0]!;
  }

  electLeader(): number {
    this.runUntil(() => this.leaders().length > 0 && this.ids.filter((i) => !this.down.has(i)).every((i) => role(this.node(i)) === "leader" || role(this.node(i)) === "follower"));
    return this.leader();
  }

  /** Stop a node; storage loses what was written but never acknowledged durable (the quorum state is synchronous). */
  crash(id: number): void {
    this.down.add(id);
    const st = this.storage.get(id)!;
    st.entries = st.entries.filter((e) => e.offset < st.ackedEnd);
    this.queue = this.queue.filter((m) => m.to !== id && m.from !== id);
  }

  restart(id: number): void {
    const st = this.storage.get(id)!;
    const persisted: PersistedState = { quorumState: st.quorumState, entries: [...st.entries], ...(st.snapshot ? { snapshot: st.snapshot } : {}) };
    this.nodes.set(id, createKRaft(this.configs.get(id)!, persisted));
    this.delivered.set(id, []);
    this.down.delete(id);
  }

  propose(id: number, ...payloads: string[]): Output[] {
    return this.input(id, { type: "append", records: payloads.map((p) => new TextEncoder().encode(p)) });
  }

  endOf(id: number): number {
    return endOffset(this.node(id));
  }

  lastEpochOf(id: number): number {
    return lastEpochOf(this.node(id));
  }

  drainOutputs(id: number): Output[] {
    const o = this.outputs.get(id)!;
    this.outputs.set(id, []);
    return o;
  }
}

export const text = (e: Entry): string => (e.kind === "data" ? new TextDecoder().decode(e.data) : `<${e.kind}>`);
