import type { ClientRecord, DurableRecord, NodeId, ObservedEntry, TraceRecord, Violation } from "../../check/invariants/index.js";
import { EventQueue } from "./event-queue.js";
import { checkOptions } from "./options.js";
import type { FaultSet, SimOptions } from "./options.js";
import { Prng } from "./prng.js";
import type { AnyProtocol, ClientReply, ClientRequest, DurableInfo, Effects, NodeView, ObservationChecker } from "./protocol.js";

/** Counters of one run. */
export interface SimStats {
  elections: number;
  leaderChanges: number;
  /** Highest commit index any node reached. */
  committed: number;
  messages: number;
  dropped: number;
  duplicated: number;
  crashes: number;
  restarts: number;
  partitions: number;
  /** Message deliveries (to a live, reachable node). */
  deliveries: number;
  ticks: number;
  /** Every event processed, both phases. */
  events: number;
  /** Client operations completed: ok, fail, info. */
  ok: number;
  fail: number;
  info: number;
}

/** The outcome of one run. */
export interface SimResult {
  readonly ok: boolean;
  readonly seed: number;
  /** Events processed in the safety phase. */
  readonly steps: number;
  readonly violations: readonly Violation[];
  readonly stats: SimStats;
  /** Simulated milliseconds at the end. */
  readonly time: number;
  /** Client history (invoke / ok / fail / info), in time order. */
  readonly history: readonly ClientRecord[];
  /** NDJSON lines, when `trace` was asked for. */
  readonly trace?: readonly string[];
}

// Event kinds.
const TICK = 0;
const DELIVER = 1;
const DISK = 2;
const RESTART = 3;
const NEMESIS = 4;
const CLIENT_START = 5;
const CLIENT_ARRIVE = 6;
const CLIENT_REPLY = 7;
const CLIENT_RETRY = 8;
const CLIENT_DEADLINE = 9;

// Simulated milliseconds.
const TICK_MS = 10;
const OP_DEADLINE_MS = 1500;
const ATTEMPT_TIMEOUT_MS = 300;

interface IoBatch {
  readonly write: unknown;
  readonly after: { to: NodeId; message: unknown }[];
}

class SimNode {
  alive = true;
  inc = 0;
  state: unknown = undefined;
  readonly view: NodeView = { term: -1, role: "down", vote: 0, commit: -1, applied: -1, leader: 0 };
  readonly io: IoBatch[] = [];
  diskFreeAt = 0;
  tickMs = TICK_MS;
  diskMinMs = 0;
  diskMaxMs = 1;
  constructor(
    readonly id: NodeId,
    public disk: unknown,
  ) {}
}

interface ClientOp {
  readonly request: ClientRequest;
  readonly client: number;
  readonly invokedAt: number;
  attempt: number;
  target: NodeId;
  done: boolean;
}

interface ReplyPayload {
  readonly op: ClientOp;
  readonly reply: ClientReply;
}

/**
 * A deterministic cluster simulator: one seeded PRNG drives network delays and faults, node clocks, disks and
 * clients; events run in simulated time from a priority queue; every observation goes to the protocol's
 * checker as it happens. Phase one (`steps` events) injects the chosen faults; phase two heals them all and
 * demands that a leader emerges and every client gets an answer within a bound.
 */
export class Simulator {
  private readonly rng: Prng;
  private readonly queue = new EventQueue();
  private readonly nodes: SimNode[] = [];
  private readonly ids: NodeId[] = [];
  private readonly n: number;
  private readonly checker: ObservationChecker | undefined;
  private readonly traceLines: string[] | undefined;
  private readonly historyRecords: ClientRecord[] = [];
  private readonly found: Violation[] = [];
  private readonly stats: SimStats = {
    elections: 0, leaderChanges: 0, committed: 0, messages: 0, dropped: 0, duplicated: 0, crashes: 0, restarts: 0,
    partitions: 0, deliveries: 0, ticks: 0, events: 0, ok: 0, fail: 0, info: 0,
  };
  private now = 0;
  private step = 0;
  private msgId = 0;
  private opId = 0;
  private current!: SimNode;
  private wroteThisStep = false;
  private readonly strictOrder: boolean;
  private lastLeader: NodeId | 0 = 0;
  private readonly fx: Effects<unknown, unknown>;
  private readonly scratch: NodeView = { term: 0, role: "follower", vote: 0, commit: 0, applied: 0, leader: 0 };
  // Network state.
  private readonly blocked: Uint8Array;
  private readonly linkLast: Float64Array;
  private partitioned = false;
  private dropP = 0;
  private dupP = 0;
  private reorderP = 0;
  private faults: FaultSet;
  private healing = false;
  private healStart = 0;
  // Clients.
  private readonly ops: (ClientOp | undefined)[] = [];
  private readonly okSinceHeal: boolean[] = [];
  private readonly clientCount: number;
  private readonly observing: boolean;

  constructor(
    private readonly protocol: AnyProtocol,
    private readonly options: SimOptions,
  ) {
    checkOptions(options);
    this.rng = new Prng(options.seed);
    this.n = options.nodes;
    this.faults = { ...options.faults };
    this.checker = protocol.checker?.();
    this.traceLines = options.trace === true ? [] : undefined;
    this.observing = this.checker !== undefined || this.traceLines !== undefined;
    this.clientCount = options.clients ?? 3;
    this.strictOrder = options.sendOrder !== "contract";
    this.blocked = new Uint8Array((this.n + 1) * (this.n + 1));
    this.linkLast = new Float64Array((this.n + 1) * (this.n + 1));
    const sim = this;
    this.fx = {
      send(to, message) {
        const node = sim.current;
        const io = node.io;
        // Strict order: behind every write in flight, unless the protocol lets this message overtake its writes.
        // Contract order: only behind a write issued in this same step. (No write in flight: nothing to wait for.)
        if (io.length > 0 && (sim.strictOrder ? sim.protocol.overtakes?.(message) !== true : sim.wroteThisStep)) {
          io[io.length - 1]!.after.push({ to, message });
        } else sim.transmit(node.id, to, message);
      },
      persist(write) {
        sim.wroteThisStep = true;
        sim.persist(sim.current, write);
      },
      reply(requestId, reply) {
        sim.reply(sim.current.id, requestId, reply);
      },
      log(from, entries) {
        if (!sim.observing) return;
        sim.observeRole(sim.current);
        sim.record({ type: "log", t: sim.now, node: sim.current.id, from, entries: entries as ObservedEntry[] });
      },
      snapshot(index, term) {
        if (!sim.observing) return;
        sim.observeRole(sim.current);
        sim.record({ type: "snapshot", t: sim.now, node: sim.current.id, index, term });
      },
    };
  }

  /** Runs both phases and returns the outcome. */
  run(): SimResult {
    this.start();
    const o = this.options;
    const stop = o.stopOnViolation !== false;
    let safetySteps = 0;
    while (safetySteps < o.steps && this.queue.size > 0) {
      this.process();
      safetySteps++;
      if (stop && this.found.length > 0) return this.result(safetySteps);
    }
    this.safetySteps = safetySteps;
    return this.finish();
  }

  private started = false;
  private safetySteps = 0;

  /**
   * Boots the cluster and the clients without running anything (done by `run`). For schedules driven from
   * outside (`advance`, `crashNode`, …), pass `nemesis: false` so only the given faults happen.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    const rng = this.rng;
    const f = this.faults;
    for (let id = 1; id <= this.n; id++) this.ids.push(id);
    this.record({ type: "cluster", t: 0, nodes: this.ids });
    this.dropP = f.drop ? 0.01 + rng.float() * 0.1 : 0;
    this.dupP = f.dup ? 0.01 + rng.float() * 0.05 : 0;
    this.reorderP = f.reorder ? 0.05 + rng.float() * 0.2 : 0;
    for (const id of this.ids) {
      const node = new SimNode(id, this.protocol.emptyDisk());
      if (f.drift) node.tickMs = rng.range(7, 13);
      if (f.disk && rng.chance(0.6)) {
        node.diskMinMs = rng.range(1, 5);
        node.diskMaxMs = node.diskMinMs + rng.range(5, 60);
      }
      this.nodes[id] = node;
    }
    for (const id of this.ids) this.boot(this.nodes[id]!, false);
    for (let c = 0; c < this.clientCount; c++) {
      this.ops.push(undefined);
      this.okSinceHeal.push(false);
      this.queue.push(rng.range(0, 50), CLIENT_START, 0, c, undefined);
    }
    if ((f.partition || f.crash) && this.options.nemesis !== false) this.queue.push(rng.range(100, 500), NEMESIS, 0, 0, undefined);
  }

  /** Every violation so far. */
  get violations(): readonly Violation[] {
    return this.found;
  }

  /** Runs events for `ms` simulated milliseconds (stops early at a violation). */
  advance(ms: number): void {
    this.start();
    const until = this.now + ms;
    while (this.queue.size > 0 && this.queue.peekTime() <= until) {
      this.process();
      this.safetySteps++;
      if (this.found.length > 0) return;
    }
    this.now = until;
  }

  /** Crashes a live node now (scheduled faults only). */
  crashNode(id: NodeId): void {
    const node = this.nodes[id];
    if (node !== undefined && node.alive) this.crash(node);
  }

  /** Restarts a crashed node now from its disk. */
  restartNode(id: NodeId): void {
    const node = this.nodes[id];
    if (node !== undefined && !node.alive) this.restart(node);
  }

  /** Cuts the network: `side` against the rest ("symmetric"), `side` unable to send ("one-way"), or a bridge. */
  partitionNodes(side: readonly NodeId[], kind: "symmetric" | "one-way" | "bridge"): void {
    const n = this.n;
    const w = n + 1;
    const inSide = new Uint8Array(w);
    for (const id of side) if (id >= 1 && id <= n) inSide[id] = 1;
    const bridge = this.ids.find((id) => inSide[id] === 0);
    this.blocked.fill(0);
    this.partitioned = true;
    this.stats.partitions++;
    for (let a = 1; a <= n; a++) {
      for (let b = 1; b <= n; b++) {
        if (inSide[a] === inSide[b]) continue;
        if (kind === "one-way" && inSide[a] === 0) continue;
        if (kind === "bridge" && (a === bridge || b === bridge)) continue;
        this.blocked[a * w + b] = 1;
      }
    }
    this.record({ type: "fault", t: this.now, fault: "partition", detail: kind === "bridge" ? `bridge through node ${bridge}` : kind, nodes: [...side] });
  }

  /** Heals every partition. */
  healNetwork(): void {
    this.blocked.fill(0);
    this.partitioned = false;
    this.record({ type: "fault", t: this.now, fault: "heal" });
  }

  /** Heals every fault, runs the liveness phase (unless disabled) and returns the outcome. */
  finish(): SimResult {
    this.start();
    const o = this.options;
    if (o.liveness !== false && this.found.length === 0) this.livenessPhase(o.livenessBoundMs ?? 10_000);
    return this.result(this.safetySteps);
  }

  private result(steps: number): SimResult {
    const base = { ok: this.found.length === 0, seed: this.options.seed, steps, violations: this.found, stats: this.stats, time: this.now, history: this.historyRecords };
    return this.traceLines === undefined ? base : { ...base, trace: this.traceLines };
  }

  private livenessPhase(boundMs: number): void {
    this.healing = true;
    this.healAll();
    this.healStart = this.now;
    const deadline = this.now + boundMs;
    this.okSinceHeal.fill(false);
    this.record({ type: "fault", t: this.now, fault: "heal-all", detail: "liveness phase: every fault healed" });
    let k = 0;
    while (this.queue.size > 0) {
      this.process();
      if (this.found.length > 0 && this.options.stopOnViolation !== false) return;
      if ((++k & 31) === 0 && this.live()) return;
      if (this.now > deadline) break;
    }
    if (this.live()) return;
    const leaders = this.ids.filter((id) => this.nodes[id]!.alive && this.nodes[id]!.view.role === "leader");
    const waiting = this.okSinceHeal.map((ok, c) => (ok ? -1 : c)).filter((c) => c >= 0);
    this.found.push({
      invariant: "liveness",
      step: this.step,
      t: this.now,
      detail: `${boundMs} ms after healing: ${leaders.length === 0 ? "no leader" : `leaders ${leaders.join(",")}`}; clients without an answered request: ${waiting.join(",") || "none"}`,
    });
  }

  /** A leader followed by a majority, and every client has had an operation succeed since the heal. */
  private live(): boolean {
    if (!this.okSinceHeal.every((ok) => ok)) return false;
    for (const id of this.ids) {
      const v = this.nodes[id]!.view;
      if (!this.nodes[id]!.alive || v.role !== "leader") continue;
      let followers = 0;
      for (const j of this.ids) {
        const w = this.nodes[j]!.view;
        if (this.nodes[j]!.alive && w.term === v.term && (w.leader === id || j === id)) followers++;
      }
      if (followers * 2 > this.n) return true;
    }
    return false;
  }

  private healAll(): void {
    this.blocked.fill(0);
    this.partitioned = false;
    this.dropP = 0;
    this.dupP = 0;
    this.reorderP = 0;
    for (const id of this.ids) {
      const node = this.nodes[id]!;
      if (!node.alive) this.restart(node);
    }
  }

  private process(): void {
    const q = this.queue;
    q.take();
    this.now = q.at;
    this.wroteThisStep = false;
    this.step++;
    this.stats.events++;
    switch (q.kind) {
      case TICK: {
        const node = this.nodes[q.node]!;
        if (!node.alive || node.inc !== q.tag) break;
        this.stats.ticks++;
        this.current = node;
        node.state = this.protocol.tick(node.state, this.fx);
        this.observe(node);
        q.push(this.now + node.tickMs, TICK, node.id, node.inc, undefined);
        break;
      }
      case DELIVER:
        this.deliver(q.node, q.tag, q.aux, q.payload);
        break;
      case DISK:
        this.diskDone(this.nodes[q.node]!, q.tag);
        break;
      case RESTART: {
        const node = this.nodes[q.node]!;
        if (!node.alive && node.inc === q.tag) this.restart(node);
        break;
      }
      case NEMESIS:
        if (!this.healing) this.nemesis();
        break;
      case CLIENT_START:
        this.clientStart(q.tag);
        break;
      case CLIENT_ARRIVE:
        this.clientArrive(q.node, q.payload as ClientOp);
        break;
      case CLIENT_REPLY: {
        const p = q.payload as ReplyPayload;
        this.clientReply(p.op, p.reply, q.tag, q.node);
        break;
      }
      case CLIENT_RETRY:
        this.clientRetry(q.payload as ClientOp, q.tag);
        break;
      case CLIENT_DEADLINE:
        this.clientDeadline(q.payload as ClientOp);
        break;
    }
  }

  // ---- nodes ----

  private boot(node: SimNode, restarted: boolean): void {
    node.alive = true;
    node.inc++;
    node.view.term = -1; // force a state record
    this.current = node;
    node.state = this.protocol.start(node.id, this.ids, this.rng.next(), node.disk, this.fx);
    if (restarted) this.record({ type: "restart", t: this.now, node: node.id });
    this.observe(node);
    this.queue.push(this.now + this.rng.range(1, node.tickMs), TICK, node.id, node.inc, undefined);
  }

  private restart(node: SimNode): void {
    this.stats.restarts++;
    this.record({ type: "fault", t: this.now, fault: "restart", nodes: [node.id] });
    this.boot(node, true);
  }

  private crash(node: SimNode): void {
    this.stats.crashes++;
    node.alive = false;
    node.inc++;
    node.io.length = 0; // in-flight writes and the messages waiting on them are lost
    node.state = undefined;
    node.view.role = "down";
    node.diskFreeAt = 0;
    this.record({ type: "fault", t: this.now, fault: "crash", nodes: [node.id] });
    this.record({ type: "crash", t: this.now, node: node.id });
  }

  private persist(node: SimNode, write: unknown): void {
    node.io.push({ write, after: [] });
    const at = Math.max(this.now + this.rng.range(node.diskMinMs, node.diskMaxMs), node.diskFreeAt);
    node.diskFreeAt = at;
    this.queue.push(at, DISK, node.id, node.inc, undefined);
  }

  private diskDone(node: SimNode, inc: number): void {
    if (!node.alive || node.inc !== inc) return;
    const batch = node.io.shift();
    if (batch === undefined) return;
    const info = this.protocol.applyWrite(node.disk, batch.write);
    if (this.observing) this.record(durableRecord(this.now, node.id, info));
    // Messages that waited on this write (and on earlier ones) may leave now.
    for (const m of batch.after) this.transmit(node.id, m.to, m.message);
    this.current = node;
    node.state = this.protocol.persisted(node.state, batch.write, this.fx);
    this.observe(node);
  }

  /**
   * Before a log change is recorded: if the step changed term, role, vote or leader, record that first (with the
   * old commit and applied), since within a step those change before the log (e.g. stepping down, then truncating).
   */
  private observeRole(node: SimNode): void {
    const v = this.scratch;
    this.protocol.view(node.state, v);
    const old = node.view;
    if (v.term === old.term && v.role === old.role && v.vote === old.vote && v.leader === old.leader) return;
    if (old.commit >= 0) {
      v.commit = old.commit;
      v.applied = old.applied;
    }
    this.update(node, v);
  }

  /** Emits a state record when the node's view changed, and keeps election statistics. */
  private observe(node: SimNode): void {
    const v = this.scratch;
    this.protocol.view(node.state, v);
    const old = node.view;
    if (v.term === old.term && v.role === old.role && v.vote === old.vote && v.commit === old.commit && v.applied === old.applied && v.leader === old.leader) return;
    this.update(node, v);
  }

  private update(node: SimNode, v: NodeView): void {
    const old = node.view;
    if (v.role === "leader" && (old.role !== "leader" || old.term !== v.term)) {
      this.stats.elections++;
      if (this.lastLeader !== node.id) this.stats.leaderChanges++;
      this.lastLeader = node.id;
    }
    if (v.commit > this.stats.committed) this.stats.committed = v.commit;
    old.term = v.term;
    old.role = v.role;
    old.vote = v.vote;
    old.commit = v.commit;
    old.applied = v.applied;
    old.leader = v.leader;
    if (this.observing) {
      this.record({ type: "state", t: this.now, node: node.id, term: v.term, role: v.role, vote: v.vote, commit: v.commit, applied: v.applied, leader: v.leader });
    }
  }

  private record(r: TraceRecord): void {
    if (this.traceLines !== undefined) this.traceLines.push(JSON.stringify(r));
    if (this.checker !== undefined) {
      const v = this.checker.observe(r, this.step);
      for (let k = 0; k < v.length; k++) this.found.push(v[k]!);
    }
  }

  // ---- network ----

  private transmit(from: NodeId, to: NodeId, message: unknown): void {
    this.stats.messages++;
    const id = ++this.msgId;
    const rng = this.rng;
    if (this.traceLines !== undefined) this.traceMsg("send", from, to, id, message);
    if (this.dropP > 0 && rng.chance(this.dropP)) {
      this.stats.dropped++;
      if (this.traceLines !== undefined) this.traceMsg("drop", from, to, id, message);
      return;
    }
    const link = from * (this.n + 1) + to;
    let at = this.now + rng.range(1, 8);
    if (this.reorderP > 0 && rng.chance(this.reorderP)) at += rng.chance(0.1) ? rng.range(200, 2000) : rng.range(10, 200);
    else if (at < this.linkLast[link]!) at = this.linkLast[link]!;
    if (at > this.linkLast[link]!) this.linkLast[link] = at;
    this.queue.push(at, DELIVER, to, id, message, from);
    if (this.dupP > 0 && rng.chance(this.dupP)) {
      this.stats.duplicated++;
      if (this.traceLines !== undefined) this.traceMsg("dup", from, to, id, message);
      // Most duplicates follow closely; some arrive very late (a stale retransmission).
      this.queue.push(at + (rng.chance(0.3) ? rng.range(50, 3000) : rng.range(0, 50)), DELIVER, to, id, message, from);
    }
  }

  private deliver(to: NodeId, id: number, from: NodeId, message: unknown): void {
    const node = this.nodes[to]!;
    if (!node.alive || (this.partitioned && this.blocked[from * (this.n + 1) + to] === 1)) {
      this.stats.dropped++;
      if (this.traceLines !== undefined) this.traceMsg("drop", from, to, id, message);
      return;
    }
    this.stats.deliveries++;
    if (this.traceLines !== undefined) this.traceMsg("deliver", from, to, id, message);
    this.current = node;
    node.state = this.protocol.receive(node.state, message, this.fx);
    this.observe(node);
  }

  private traceMsg(ev: "send" | "deliver" | "drop" | "dup", from: NodeId, to: NodeId, id: number, message: unknown): void {
    const d = this.protocol.describe(message);
    this.traceLines!.push(JSON.stringify({ type: "msg", t: this.now, ev, from, to, id, msg: d.kind, term: d.term }));
  }

  // ---- faults ----

  private nemesis(): void {
    const rng = this.rng;
    const f = this.faults;
    const choices: string[] = [];
    if (f.partition) choices.push("partition", "partition");
    if (f.crash) choices.push("crash");
    const choice = choices[rng.int(choices.length)];
    if (choice === "partition") {
      if (this.partitioned && rng.chance(0.5)) {
        this.blocked.fill(0);
        this.partitioned = false;
        this.record({ type: "fault", t: this.now, fault: "heal" });
      } else this.partition();
    } else if (choice === "crash") {
      const alive = this.ids.filter((id) => this.nodes[id]!.alive);
      if (alive.length > 0) {
        // Prefer the leader: that is where the interesting bugs are.
        const leader = alive.find((id) => this.nodes[id]!.view.role === "leader");
        const victim = leader !== undefined && rng.chance(0.5) ? leader : alive[rng.int(alive.length)]!;
        const node = this.nodes[victim]!;
        this.crash(node);
        this.queue.push(this.now + rng.range(20, 1000), RESTART, victim, node.inc, undefined);
      }
    }
    this.queue.push(this.now + rng.range(100, 600), NEMESIS, 0, 0, undefined);
  }

  private partition(): void {
    const rng = this.rng;
    const n = this.n;
    const w = n + 1;
    this.blocked.fill(0);
    this.partitioned = true;
    this.stats.partitions++;
    // A random split into two sides.
    const side = new Uint8Array(w);
    const order = this.shuffled();
    const small = 1 + rng.int(Math.max(1, Math.floor(n / 2)));
    for (let k = 0; k < small; k++) side[order[k]!] = 1;
    const kind = rng.int(3);
    if (kind === 0) {
      for (let a = 1; a <= n; a++) for (let b = 1; b <= n; b++) if (side[a] !== side[b]) this.blocked[a * w + b] = 1;
      this.record({ type: "fault", t: this.now, fault: "partition", detail: "symmetric", nodes: order.slice(0, small) });
    } else if (kind === 1) {
      // One-way: side 1 cannot send to side 0, but hears it.
      for (let a = 1; a <= n; a++) for (let b = 1; b <= n; b++) if (side[a] === 1 && side[b] === 0) this.blocked[a * w + b] = 1;
      this.record({ type: "fault", t: this.now, fault: "partition", detail: "one-way (listed nodes cannot send to the rest)", nodes: order.slice(0, small) });
    } else {
      // Bridge: two sides that cannot talk, and one node (from the larger side) that talks to both.
      const bridge = order[n - 1]!;
      for (let a = 1; a <= n; a++) {
        for (let b = 1; b <= n; b++) if (side[a] !== side[b] && a !== bridge && b !== bridge) this.blocked[a * w + b] = 1;
      }
      this.record({ type: "fault", t: this.now, fault: "partition", detail: `bridge through node ${bridge}`, nodes: order.slice(0, small) });
    }
  }

  private shuffled(): NodeId[] {
    const a = [...this.ids];
    for (let k = a.length - 1; k > 0; k--) {
      const j = this.rng.int(k + 1);
      const t = a[k]!;
      a[k] = a[j]!;
      a[j] = t;
    }
    return a;
  }

  // ---- clients ----

  private clientStart(c: number): void {
    const rng = this.rng;
    const id = ++this.opId;
    const write = rng.chance(0.7);
    const key = `k${rng.int(3)}`;
    const request: ClientRequest = { id: id * 128 + c, f: write ? "write" : "read", key, value: write ? `v${id}` : "" };
    const op: ClientOp = { request, client: c, invokedAt: this.now, attempt: 0, target: this.ids[rng.int(this.n)]!, done: false };
    this.ops[c] = op;
    this.history({ type: "invoke", t: this.now, client: c, id: request.id, f: request.f, key, value: write ? request.value : null });
    this.queue.push(this.now + OP_DEADLINE_MS, CLIENT_DEADLINE, 0, 0, op);
    this.sendAttempt(op);
  }

  private sendAttempt(op: ClientOp): void {
    op.attempt++;
    this.queue.push(this.now + this.rng.range(1, 5), CLIENT_ARRIVE, op.target, op.attempt, op);
    this.queue.push(this.now + ATTEMPT_TIMEOUT_MS, CLIENT_RETRY, 0, op.attempt, op);
  }

  private clientArrive(to: NodeId, op: ClientOp): void {
    const node = this.nodes[to]!;
    if (!node.alive || op.done) return;
    this.current = node;
    node.state = this.protocol.request(node.state, op.request, this.fx);
    this.observe(node);
  }

  private reply(from: NodeId, requestId: number, reply: ClientReply): void {
    const op = this.ops[requestId % 128];
    if (op === undefined || op.request.id !== requestId || op.done) return;
    this.queue.push(this.now + this.rng.range(1, 5), CLIENT_REPLY, from, op.attempt, { op, reply } satisfies ReplyPayload);
  }

  private clientReply(op: ClientOp, reply: ClientReply, attempt: number, from: NodeId): void {
    if (op.done) return;
    const r = op.request;
    if (reply.ok) {
      op.done = true;
      this.stats.ok++;
      if (this.healing && op.invokedAt >= this.healStart) this.okSinceHeal[op.client] = true;
      const rec: ClientRecord =
        r.f === "write"
          ? { type: "ok", t: this.now, client: op.client, id: r.id, f: "write", key: r.key, value: r.value, index: reply.index ?? 0, term: reply.term ?? 0, node: from }
          : { type: "ok", t: this.now, client: op.client, id: r.id, f: "read", key: r.key, value: reply.value ?? null, index: reply.index ?? 0, node: from };
      this.history(rec);
      op.target = from;
      this.next(op.client);
      return;
    }
    if (r.f === "read" && attempt === op.attempt && reply.reason !== "not-leader") {
      // A read refused for any reason other than leadership had no effect: a definite failure.
      op.done = true;
      this.stats.fail++;
      this.history({ type: "fail", t: this.now, client: op.client, id: r.id, f: "read", key: r.key, value: null, node: from });
      this.next(op.client);
      return;
    }
    // Refused (not the leader, or dropped): retry soon, at the hinted leader when there is one.
    op.target = reply.leaderHint !== undefined && reply.leaderHint !== 0 ? reply.leaderHint : this.ids[this.rng.int(this.n)]!;
    this.queue.push(this.now + this.rng.range(5, 30), CLIENT_RETRY, 0, -op.attempt, op);
  }

  private clientRetry(op: ClientOp, attempt: number): void {
    if (op.done) return;
    if (attempt > 0) {
      // The attempt timed out: try another node.
      if (attempt !== op.attempt) return;
      op.target = this.ids[this.rng.int(this.n)]!;
    } else if (-attempt !== op.attempt) return;
    this.sendAttempt(op);
  }

  private clientDeadline(op: ClientOp): void {
    if (op.done) return;
    op.done = true;
    const r = op.request;
    if (r.f === "write") {
      // The write may still take effect: its outcome is unknown.
      this.stats.info++;
      this.history({ type: "info", t: this.now, client: op.client, id: r.id, f: "write", key: r.key, value: r.value });
    } else {
      this.stats.fail++;
      this.history({ type: "fail", t: this.now, client: op.client, id: r.id, f: "read", key: r.key, value: null });
    }
    this.next(op.client);
  }

  private next(c: number): void {
    this.queue.push(this.now + this.rng.range(0, 20), CLIENT_START, 0, c, undefined);
  }

  private history(r: ClientRecord): void {
    this.historyRecords.push(r);
    this.record(r);
  }
}

/** The `durable` record of `info`, built field by field (a spread is slow on this path), keys in a fixed order. */
function durableRecord(t: number, node: NodeId, info: DurableInfo): DurableRecord {
  const r: { -readonly [K in keyof DurableRecord]: DurableRecord[K] } = { type: "durable", t, node, term: info.term, vote: info.vote };
  if (info.commit !== undefined) r.commit = info.commit;
  if (info.snapshot !== undefined) r.snapshot = info.snapshot;
  if (info.from !== undefined) r.from = info.from;
  if (info.entries !== undefined) r.entries = info.entries;
  return r;
}

/** Runs one simulation of `protocol` with `options`. */
export function simulate(protocol: AnyProtocol, options: SimOptions): SimResult {
  return new Simulator(protocol, options).run();
}
