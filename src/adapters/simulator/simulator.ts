import type { DurableRecord, NodeId, ObservedEntry, TraceRecord, Violation } from "../../check/invariants/index.js";
import { EventQueue } from "./event-queue.js";
import { CLIENT_ARRIVE, CLIENT_DEADLINE, CLIENT_REPLY, CLIENT_RETRY, CLIENT_START, DELIVER, DISK, NEMESIS, RESTART, TICK } from "./events.js";
import { FaultInjector } from "./faults.js";
import type { FaultHost, PartitionKind } from "./faults.js";
import { DEFAULT_CLIENTS, checkOptions } from "./options.js";
import type { SimOptions } from "./options.js";
import { Prng } from "./prng.js";
import type { AnyProtocol, ClientRequest, DurableInfo, Effects, NodeView, ObservationChecker } from "./protocol.js";
import { newStats } from "./stats.js";
import type { SimResult, SimStats } from "./stats.js";
import { ClientWorkload } from "./workload.js";
import type { ClientOp, ReplyPayload, WorkloadHost } from "./workload.js";

export type { SimResult, SimStats } from "./stats.js";

/** Simulated milliseconds between a node's ticks (without clock drift). */
const TICK_MS = 10;

/** A durable write in flight, and the messages that leave once it is done (created on the first). */
interface IoBatch {
  readonly write: unknown;
  after: { to: NodeId; message: unknown }[] | undefined;
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
  private readonly found: Violation[] = [];
  private readonly stats: SimStats = newStats();
  private now = 0;
  private step = 0;
  private msgId = 0;
  private current!: SimNode;
  private wroteThisStep = false;
  private readonly strictOrder: boolean;
  private lastLeader: NodeId | 0 = 0;
  private readonly fx: Effects<unknown, unknown>;
  private readonly scratch: NodeView = { term: 0, role: "follower", vote: 0, commit: 0, applied: 0, leader: 0 };
  private readonly linkLast: Float64Array;
  private readonly faults: FaultInjector;
  private readonly clients: ClientWorkload;
  private healing = false;
  private readonly observing: boolean;

  constructor(
    private readonly protocol: AnyProtocol,
    private readonly options: SimOptions,
  ) {
    checkOptions(options);
    this.rng = new Prng(options.seed);
    this.n = options.nodes;
    this.checker = protocol.checker?.();
    this.traceLines = options.trace === true ? [] : undefined;
    this.observing = this.checker !== undefined || this.traceLines !== undefined;
    this.strictOrder = options.sendOrder !== "contract";
    this.linkLast = new Float64Array((this.n + 1) * (this.n + 1));
    const sim = this;
    // The parts see the simulator through these narrow views (they run on client and nemesis events only).
    const now = (): number => sim.now;
    const record = (r: TraceRecord): void => sim.record(r);
    const faultHost: FaultHost = {
      rng: this.rng,
      queue: this.queue,
      stats: this.stats,
      ids: this.ids,
      now,
      record,
      isAlive: (id) => sim.nodes[id]!.alive,
      isLeader: (id) => sim.nodes[id]!.view.role === "leader",
      crash: (id) => sim.crash(sim.nodes[id]!),
    };
    this.faults = new FaultInjector(faultHost, this.n, options.faults);
    const workloadHost: WorkloadHost = { rng: this.rng, queue: this.queue, stats: this.stats, ids: this.ids, now, record, request: (to, r) => sim.request(to, r) };
    this.clients = new ClientWorkload(workloadHost, options.clients ?? DEFAULT_CLIENTS);
    this.fx = {
      send(to, message) {
        const node = sim.current;
        const io = node.io;
        // Strict order: behind every write in flight, unless the protocol lets this message overtake its writes.
        // Contract order: only behind a write issued in this same step. (No write in flight: nothing to wait for.)
        if (io.length > 0 && (sim.strictOrder ? sim.protocol.overtakes?.(message) !== true : sim.wroteThisStep)) {
          const last = io[io.length - 1]!;
          if (last.after === undefined) last.after = [{ to, message }];
          else last.after.push({ to, message });
        } else sim.transmit(node.id, to, message);
      },
      persist(write) {
        sim.wroteThisStep = true;
        sim.persist(sim.current, write);
      },
      reply(requestId, reply) {
        sim.clients.reply(sim.current.id, requestId, reply);
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
    const f = this.options.faults;
    for (let id = 1; id <= this.n; id++) this.ids.push(id);
    this.record({ type: "cluster", t: 0, nodes: this.ids });
    this.faults.drawNetwork();
    for (const id of this.ids) {
      const node = new SimNode(id, this.protocol.emptyDisk());
      if (f.drift) node.tickMs = rng.range(7, 13);
      if (node.tickMs !== TICK_MS) this.stats.driftingClocks++;
      if (f.disk && rng.chance(0.6)) {
        node.diskMinMs = rng.range(1, 5);
        node.diskMaxMs = node.diskMinMs + rng.range(5, 60);
        this.stats.slowDisks++;
      }
      this.nodes[id] = node;
    }
    for (const id of this.ids) this.boot(this.nodes[id]!, false);
    this.clients.start();
    if (this.options.nemesis !== false) this.faults.scheduleNemesis();
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
  partitionNodes(side: readonly NodeId[], kind: PartitionKind): void {
    this.faults.partitionNodes(side, kind);
  }

  /** Holds every message sent from `from` to `to` in the next `ms` milliseconds until then (scheduled faults). */
  stallLink(from: NodeId, to: NodeId, ms: number): void {
    this.start();
    this.faults.stallLink(from, to, ms);
  }

  /** The live node that leads the highest term, or 0 when none does (for schedules driven from outside). */
  leader(): NodeId | 0 {
    let best: SimNode | undefined;
    for (const id of this.ids) {
      const node = this.nodes[id]!;
      if (node.alive && node.view.role === "leader" && (best === undefined || node.view.term > best.view.term)) best = node;
    }
    return best?.id ?? 0;
  }

  /** Heals every partition. */
  healNetwork(): void {
    this.faults.healNetwork();
  }

  /** Heals every fault, runs the liveness phase (unless disabled) and returns the outcome. */
  finish(): SimResult {
    this.start();
    const o = this.options;
    if (o.liveness !== false && this.found.length === 0) this.livenessPhase(o.livenessBoundMs ?? 10_000);
    return this.result(this.safetySteps);
  }

  private result(steps: number): SimResult {
    if (!this.healing) this.stats.committedBeforeHeal = this.stats.committed;
    const base = { ok: this.found.length === 0, seed: this.options.seed, steps, violations: this.found, stats: this.stats, time: this.now, history: this.clients.history };
    return this.traceLines === undefined ? base : { ...base, trace: this.traceLines };
  }

  private livenessPhase(boundMs: number): void {
    this.stats.committedBeforeHeal = this.stats.committed;
    this.healing = true;
    this.healAll();
    this.clients.healed();
    const deadline = this.now + boundMs;
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
    const waiting = this.clients.waitingSinceHeal();
    this.found.push({
      invariant: "liveness",
      step: this.step,
      t: this.now,
      detail: `${boundMs} ms after healing: ${leaders.length === 0 ? "no leader" : `leaders ${leaders.join(",")}`}; clients without an answered request: ${waiting.join(",") || "none"}`,
    });
  }

  /** A leader followed by a majority, and every client has had an operation succeed since the heal. */
  private live(): boolean {
    if (!this.clients.allServedSinceHeal()) return false;
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
    this.faults.healAll();
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
        if (!this.healing) this.faults.nemesis();
        break;
      case CLIENT_START:
        this.clients.begin(q.tag);
        break;
      case CLIENT_ARRIVE:
        this.clients.arrive(q.node, q.payload as ClientOp);
        break;
      case CLIENT_REPLY: {
        const p = q.payload as ReplyPayload;
        this.clients.replied(p.op, p.reply, q.tag, q.node);
        break;
      }
      case CLIENT_RETRY:
        this.clients.retry(q.payload as ClientOp, q.tag);
        break;
      case CLIENT_DEADLINE:
        this.clients.deadline(q.payload as ClientOp);
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

  /** Crashes `node`; returns its new incarnation. */
  private crash(node: SimNode): number {
    this.stats.crashes++;
    node.alive = false;
    node.inc++;
    node.io.length = 0; // in-flight writes and the messages waiting on them are lost
    node.state = undefined;
    node.view.role = "down";
    node.diskFreeAt = 0;
    this.record({ type: "fault", t: this.now, fault: "crash", nodes: [node.id] });
    this.record({ type: "crash", t: this.now, node: node.id });
    return node.inc;
  }

  /** A client request reaches node `to`; false when the node is down (the client's connection is refused). */
  private request(to: NodeId, request: ClientRequest): boolean {
    const node = this.nodes[to]!;
    if (!node.alive) return false;
    this.current = node;
    node.state = this.protocol.request(node.state, request, this.fx);
    this.observe(node);
    return true;
  }

  private persist(node: SimNode, write: unknown): void {
    node.io.push({ write, after: undefined });
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
    const after = batch.after;
    if (after !== undefined) for (let k = 0; k < after.length; k++) this.transmit(node.id, after[k]!.to, after[k]!.message);
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
    const f = this.faults;
    if (f.dropP > 0 && rng.chance(f.dropP)) {
      this.stats.dropped++;
      if (this.traceLines !== undefined) this.traceMsg("drop", from, to, id, message);
      return;
    }
    const link = from * (this.n + 1) + to;
    let at = this.now + rng.range(1, 8);
    if (f.reorderP > 0 && rng.chance(f.reorderP)) {
      // Held back while later messages on its link overtake it. It must not hold those up in turn: that would
      // cut the link for the whole delay (a partition of random links, most of the time), not reorder it.
      this.stats.reordered++;
      at += rng.chance(0.1) ? rng.range(200, 2000) : rng.range(10, 200);
    } else {
      // FIFO on the link, and behind a stall of the link if the nemesis caused one.
      if (at < this.linkLast[link]!) at = this.linkLast[link]!;
      if (at < f.stalledUntil[link]!) at = f.stalledUntil[link]!;
      this.linkLast[link] = at;
    }
    this.queue.push(at, DELIVER, to, id, message, from);
    if (f.dupP > 0 && rng.chance(f.dupP)) {
      this.stats.duplicated++;
      if (this.traceLines !== undefined) this.traceMsg("dup", from, to, id, message);
      // Most duplicates follow closely; some arrive very late (a stale retransmission).
      this.queue.push(at + (rng.chance(0.3) ? rng.range(50, 3000) : rng.range(0, 50)), DELIVER, to, id, message, from);
    }
  }

  private deliver(to: NodeId, id: number, from: NodeId, message: unknown): void {
    const node = this.nodes[to]!;
    if (!node.alive || this.faults.isBlocked(from, to)) {
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
