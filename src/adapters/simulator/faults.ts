import type { NodeId } from "../../check/invariants/index.js";
import { NEMESIS, RESTART } from "./events.js";
import type { SimHost } from "./events.js";
import type { FaultSet } from "./options.js";

/** What fault injection needs from the simulator running it. */
export interface FaultHost extends SimHost {
  isAlive(id: NodeId): boolean;
  isLeader(id: NodeId): boolean;
  /** Crashes live node `id` now; returns its new incarnation (a restart event must carry it). */
  crash(id: NodeId): number;
}

/** How a partition cuts the cluster: `side` against the rest, `side` unable to send, or two sides and a bridge. */
export type PartitionKind = "symmetric" | "one-way" | "bridge";

/** What the nemesis may do at one of its events. */
type NemesisAction = "network" | "crash" | "stall";

/**
 * The network's fault conditions and the nemesis that changes them. Message loss, duplication and reordering
 * happen at fixed per-run probabilities (drawn at the start); partitions, crashes and link stalls come from the
 * nemesis, an event that fires every 200–1,000 simulated milliseconds in the safety phase. It deals its
 * actions from a shuffled deck (two network actions — cut or heal — one crash, one stall, as the fault set
 * allows), so every enabled kind happens in every run of a few seconds, and the cluster gets time to elect a
 * leader and commit between faults. The simulator reads `dropP`, `dupP`, `reorderP`, `isBlocked` and
 * `stalledUntil` for every message, so they are plain fields and flat link matrices.
 */
export class FaultInjector {
  /** Probability that a message is lost. */
  dropP = 0;
  /** Probability that a message is delivered twice. */
  dupP = 0;
  /** Probability that a message is delayed past later ones on its link. */
  reorderP = 0;
  /** True while some link is cut (`blocked` is all zero otherwise). */
  partitioned = false;
  /** `blocked[from * (n + 1) + to]` is 1 when `from` cannot reach `to`. */
  readonly blocked: Uint8Array;
  /**
   * `stalledUntil[from * (n + 1) + to]`: a message sent on that link arrives no earlier than this (a stalled
   * connection: everything sent meanwhile arrives in one burst, stale by then).
   */
  readonly stalledUntil: Float64Array;
  private readonly n: number;
  private readonly faults: FaultSet;
  /** The nemesis's actions still to deal in this round (refilled and shuffled when empty). */
  private readonly deck: NemesisAction[] = [];

  constructor(
    private readonly host: FaultHost,
    n: number,
    faults: FaultSet,
  ) {
    this.n = n;
    this.faults = { ...faults };
    this.blocked = new Uint8Array((n + 1) * (n + 1));
    this.stalledUntil = new Float64Array((n + 1) * (n + 1));
  }

  /** Draws this run's message-fault probabilities (first, so a seed's network does not depend on the rest). */
  drawNetwork(): void {
    const rng = this.host.rng;
    const f = this.faults;
    this.dropP = f.drop ? 0.01 + rng.float() * 0.1 : 0;
    this.dupP = f.dup ? 0.01 + rng.float() * 0.05 : 0;
    this.reorderP = f.reorder ? 0.05 + rng.float() * 0.2 : 0;
  }

  /** Schedules the first nemesis event, if partitions, crashes or reordering (with its link stalls) are on. */
  scheduleNemesis(): void {
    const f = this.faults;
    if (f.partition || f.crash || f.reorder) this.host.queue.push(this.host.rng.range(100, 500), NEMESIS, 0, 0, undefined);
  }

  /** Whether a message from `from` to `to` is cut off by a partition. */
  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.partitioned && this.blocked[from * (this.n + 1) + to] === 1;
  }

  /**
   * A nemesis event: the next action of the deck — a partition or a heal (a partition is healed at the next
   * network action 3 times in 4, else cut anew), a crash (with its restart scheduled) or a link stall — then
   * the next nemesis event.
   */
  nemesis(): void {
    const host = this.host;
    const rng = host.rng;
    const now = host.now();
    const action = this.deal();
    if (action === "network") {
      if (this.partitioned && rng.chance(0.75)) this.healNetwork();
      else this.randomPartition();
    } else if (action === "stall") this.stallLinks();
    else {
      const alive = host.ids.filter((id) => host.isAlive(id));
      if (alive.length > 0) {
        // Prefer the leader: that is where the interesting bugs are.
        const leader = alive.find((id) => host.isLeader(id));
        const victim = leader !== undefined && rng.chance(0.5) ? leader : alive[rng.int(alive.length)]!;
        const inc = host.crash(victim);
        host.queue.push(now + rng.range(20, 1000), RESTART, victim, inc, undefined);
      }
    }
    host.queue.push(now + rng.range(200, 1000), NEMESIS, 0, 0, undefined);
  }

  /** The next action, from a deck of the enabled kinds shuffled anew each round. */
  private deal(): NemesisAction {
    if (this.deck.length === 0) {
      const f = this.faults;
      if (f.partition) this.deck.push("network", "network");
      if (f.crash) this.deck.push("crash");
      if (f.reorder) this.deck.push("stall");
      const rng = this.host.rng;
      for (let k = this.deck.length - 1; k > 0; k--) {
        const j = rng.int(k + 1);
        const t = this.deck[k]!;
        this.deck[k] = this.deck[j]!;
        this.deck[j] = t;
      }
    }
    return this.deck.pop()!;
  }

  /**
   * Stalls every link out of (or into) one node for 200–2,000 ms: what is sent on them meanwhile waits, then
   * arrives in one burst, often after an election. Bounded and one node at a time, unlike reordering, which
   * never holds a link up.
   */
  private stallLinks(): void {
    const host = this.host;
    const rng = host.rng;
    const now = host.now();
    const node = host.ids[rng.int(host.ids.length)]!;
    const outgoing = rng.chance(0.5);
    const ms = rng.range(200, 2000);
    const w = this.n + 1;
    for (const other of host.ids) {
      if (other === node) continue;
      // A stall never shortens one already running on the same link.
      const link = outgoing ? node * w + other : other * w + node;
      if (this.stalledUntil[link]! < now + ms) this.stalledUntil[link] = now + ms;
    }
    host.stats.stalls++;
    host.record({ type: "fault", t: now, fault: "stall", detail: `${outgoing ? "outgoing" : "incoming"} messages held for ${ms} ms`, nodes: [node] });
  }

  /** Stalls the link `from` → `to` for `ms` from now (a scheduled stall: see `Simulator.stallLink`). */
  stallLink(from: NodeId, to: NodeId, ms: number): void {
    const host = this.host;
    this.stalledUntil[from * (this.n + 1) + to] = host.now() + ms;
    host.stats.stalls++;
    host.record({ type: "fault", t: host.now(), fault: "stall", detail: `messages to node ${to} held for ${ms} ms`, nodes: [from] });
  }

  /** Cuts the network as told (see `Simulator.partitionNodes`). */
  partitionNodes(side: readonly NodeId[], kind: PartitionKind): void {
    const n = this.n;
    const w = n + 1;
    const inSide = new Uint8Array(w);
    for (const id of side) if (id >= 1 && id <= n) inSide[id] = 1;
    const bridge = this.host.ids.find((id) => inSide[id] === 0);
    this.cut();
    for (let a = 1; a <= n; a++) {
      for (let b = 1; b <= n; b++) {
        if (inSide[a] === inSide[b]) continue;
        if (kind === "one-way" && inSide[a] === 0) continue;
        if (kind === "bridge" && (a === bridge || b === bridge)) continue;
        this.blocked[a * w + b] = 1;
      }
    }
    this.host.record({ type: "fault", t: this.host.now(), fault: "partition", detail: kind === "bridge" ? `bridge through node ${bridge}` : kind, nodes: [...side] });
  }

  /** Heals every partition, and says so in the trace. */
  healNetwork(): void {
    this.blocked.fill(0);
    this.partitioned = false;
    this.host.record({ type: "fault", t: this.host.now(), fault: "heal" });
  }

  /** Ends every network fault for good (the liveness phase): no partition, stall, loss, duplication or reordering. */
  healAll(): void {
    this.blocked.fill(0);
    this.stalledUntil.fill(0);
    this.partitioned = false;
    this.dropP = 0;
    this.dupP = 0;
    this.reorderP = 0;
  }

  /** Starts a new partition: every link open, then the caller blocks some. */
  private cut(): void {
    this.blocked.fill(0);
    this.partitioned = true;
    this.host.stats.partitions++;
  }

  /** A random split into two sides: symmetric, one-way, or bridged by one node of the larger side. */
  private randomPartition(): void {
    const rng = this.host.rng;
    const n = this.n;
    const w = n + 1;
    const now = this.host.now();
    this.cut();
    const side = new Uint8Array(w);
    const order = this.shuffledIds();
    const small = 1 + rng.int(Math.max(1, Math.floor(n / 2)));
    for (let k = 0; k < small; k++) side[order[k]!] = 1;
    const kind = rng.int(3);
    if (kind === 0) {
      for (let a = 1; a <= n; a++) for (let b = 1; b <= n; b++) if (side[a] !== side[b]) this.blocked[a * w + b] = 1;
      this.host.record({ type: "fault", t: now, fault: "partition", detail: "symmetric", nodes: order.slice(0, small) });
    } else if (kind === 1) {
      // One-way: side 1 cannot send to side 0, but hears it.
      for (let a = 1; a <= n; a++) for (let b = 1; b <= n; b++) if (side[a] === 1 && side[b] === 0) this.blocked[a * w + b] = 1;
      this.host.record({ type: "fault", t: now, fault: "partition", detail: "one-way (listed nodes cannot send to the rest)", nodes: order.slice(0, small) });
    } else {
      // Bridge: two sides that cannot talk, and one node (from the larger side) that talks to both.
      const bridge = order[n - 1]!;
      for (let a = 1; a <= n; a++) {
        for (let b = 1; b <= n; b++) if (side[a] !== side[b] && a !== bridge && b !== bridge) this.blocked[a * w + b] = 1;
      }
      this.host.record({ type: "fault", t: now, fault: "partition", detail: `bridge through node ${bridge}`, nodes: order.slice(0, small) });
    }
  }

  private shuffledIds(): NodeId[] {
    const a = [...this.host.ids];
    for (let k = a.length - 1; k > 0; k--) {
      const j = this.host.rng.int(k + 1);
      const t = a[k]!;
      a[k] = a[j]!;
      a[j] = t;
    }
    return a;
  }
}
