/**
 * Invariants of Kafka in ZooKeeper mode (the `zk-controller` core with its brokers and the ZooKeeper tree),
 * checked after every event of a simulated run:
 * - `one-controller-per-epoch`: at most one controller acts (is active, or sends a broker request) in a
 *   controller epoch;
 * - `leader-in-isr`: every partition state znode with a leader has it in its ISR;
 * - `leader-alive`: when the active controller is between events, every leader in its context is a broker it
 *   believes alive (during an event the dead broker's partitions are being re-elected);
 * - `leader-epoch-monotonic`: a partition's leader epoch never goes back, in ZooKeeper or in any broker's cache;
 * - `brokers-match-zookeeper` (at quiescence only, via {@link checkConverged}): every live broker's metadata
 *   equals the partition state znodes.
 * @module
 */

/** A partition's leadership as ZooKeeper or a broker holds it. */
export interface Leadership {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
}

/** What the checker sees after an event. */
export interface ZkModeView {
  /** Partition state znodes by `topic/partition`. */
  readonly zookeeper: ReadonlyMap<string, Leadership>;
  /** Broker ids registered under `/brokers/ids`. */
  readonly registered: ReadonlySet<number>;
  /** Each running controller component: its broker id, role and epoch; for the active one, its context. */
  readonly controllers: readonly { readonly id: number; readonly active: boolean; readonly epoch: number; readonly busy: boolean; readonly live: ReadonlySet<number>; readonly leaders: ReadonlyMap<string, Leadership> }[];
  /** Each live broker's metadata cache. */
  readonly brokers: ReadonlyMap<number, ReadonlyMap<string, Leadership>>;
  /** Broker requests sent since the last check: which controller sent one, in which epoch. */
  readonly sent: readonly { readonly controller: number; readonly epoch: number }[];
}

/** An invariant's name. */
export type ZkModeInvariant = "one-controller-per-epoch" | "leader-in-isr" | "leader-alive" | "leader-epoch-monotonic" | "brokers-match-zookeeper";

/** A broken invariant. */
export interface ZkModeViolation {
  readonly invariant: ZkModeInvariant;
  readonly detail: string;
}

/** What the checker remembers between events (epoch owners, highest leader epochs). */
export interface ZkModeMemory {
  readonly epochOwner: Map<number, number>;
  readonly zkEpochs: Map<string, number>;
  readonly brokerEpochs: Map<string, number>;
}

/** Fresh memory for a run. */
export function createZkModeMemory(): ZkModeMemory {
  return { epochOwner: new Map(), zkEpochs: new Map(), brokerEpochs: new Map() };
}

/** Checks every invariant but convergence against the view after one event; updates `memory`. */
export function checkZkModeEvent(view: ZkModeView, memory: ZkModeMemory): ZkModeViolation[] {
  const out: ZkModeViolation[] = [];
  const claim = (epoch: number, controller: number, how: string): void => {
    const owner = memory.epochOwner.get(epoch);
    if (owner === undefined) memory.epochOwner.set(epoch, controller);
    else if (owner !== controller) out.push({ invariant: "one-controller-per-epoch", detail: `controllers ${owner} and ${controller} both acted in epoch ${epoch} (${how})` });
  };
  for (const c of view.controllers) if (c.active) claim(c.epoch, c.id, "active");
  for (const s of view.sent) claim(s.epoch, s.controller, "sent a broker request");
  for (const [key, p] of view.zookeeper) {
    if (p.leader >= 0 && !p.isr.includes(p.leader)) out.push({ invariant: "leader-in-isr", detail: `${key}: leader ${p.leader} not in ISR [${p.isr.join(",")}]` });
    monotonic(memory.zkEpochs, key, p.leaderEpoch, `ZooKeeper ${key}`, out);
  }
  for (const [b, cache] of view.brokers) for (const [key, p] of cache) monotonic(memory.brokerEpochs, `${b}:${key}`, p.leaderEpoch, `broker ${b}'s cache, ${key}`, out);
  for (const c of view.controllers) {
    if (!c.active || c.busy) continue;
    for (const [key, p] of c.leaders) if (p.leader >= 0 && !c.live.has(p.leader)) out.push({ invariant: "leader-alive", detail: `controller ${c.id} is idle with ${key} led by broker ${p.leader}, which it knows is dead` });
  }
  return out;
}

function monotonic(seen: Map<string, number>, key: string, epoch: number, where: string, out: ZkModeViolation[]): void {
  const before = seen.get(key);
  if (before !== undefined && epoch < before) out.push({ invariant: "leader-epoch-monotonic", detail: `${where}: leader epoch went back from ${before} to ${epoch}` });
  if (before === undefined || epoch > before) seen.set(key, epoch);
}

/** At quiescence: every live broker's cache equals ZooKeeper's partition states, and every leader is registered. */
export function checkConverged(view: ZkModeView): ZkModeViolation[] {
  const out: ZkModeViolation[] = [];
  for (const [key, p] of view.zookeeper) if (p.leader >= 0 && !view.registered.has(p.leader)) out.push({ invariant: "leader-alive", detail: `${key}: leader ${p.leader} is not registered in /brokers/ids` });
  for (const [b, cache] of view.brokers) {
    for (const [key, p] of view.zookeeper) {
      const c = cache.get(key);
      if (c === undefined || c.leader !== p.leader || c.leaderEpoch !== p.leaderEpoch || c.isr.join(",") !== p.isr.join(",")) {
        out.push({ invariant: "brokers-match-zookeeper", detail: `broker ${b} has ${key} as ${c === undefined ? "unknown" : `leader ${c.leader} epoch ${c.leaderEpoch} isr [${c.isr.join(",")}]`}, ZooKeeper as leader ${p.leader} epoch ${p.leaderEpoch} isr [${p.isr.join(",")}]` });
        if (out.length >= 20) return out;
      }
    }
  }
  return out;
}
