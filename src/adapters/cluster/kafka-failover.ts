/**
 * Controller failover on a real {@link KafkaLocalCluster}, in wall-clock time: `kill -9` the active controller
 * and time until its successor serves, measured the way the simulated scenarios measure it.
 * - KRaft: until a standby controller is active in a higher epoch (it already holds the image: it serves at once).
 * - ZooKeeper mode: until the last surviving broker applied the last request of the new controller, with every
 *   partition led by a live broker in every survivor's cache (the new controller had to wait for the dead
 *   broker's session to expire, load every partition state znode, re-elect and send LeaderAndIsr/UpdateMetadata).
 * Timestamps come from the processes themselves (wall clock of the same machine), so polling adds no error.
 * @module
 */
import type { KafkaNodeStatus } from "../node/kafka-node.js";
import type { ZkBrokerStatus } from "../zk-controller/broker-process.js";
import type { KafkaLocalCluster } from "./kafka-cluster.js";

/** What one failover measured. */
export interface RealFailover {
  readonly mode: "kraft" | "zk";
  readonly partitions: number;
  /** The killed controller (process name) and its epoch. */
  readonly killed: string;
  readonly oldEpoch: number;
  /** The new active controller and its epoch. */
  readonly successor: string;
  readonly newEpoch: number;
  /** ms from the kill until the successor was active. */
  readonly activeMs: number;
  /** ms from the kill until the cluster served again (see the module comment). */
  readonly failoverMs: number;
}

/** Kills the active controller and measures the failover. `quietMs`: ZooKeeper mode's settle window. */
export async function measureFailover(c: KafkaLocalCluster, partitions: number, timeoutMs = 180_000, quietMs = 1500): Promise<RealFailover> {
  const old = await c.activeController();
  if (old === undefined) throw new Error("no active controller to kill");
  const t0 = await c.kill(old.process);
  const deadline = t0 + timeoutMs;
  const mode = c.o.mode;
  const successor = await c.waitFor("a new active controller", deadline, async () => {
    const a = await c.activeController();
    return a !== undefined && a.epoch > old.epoch ? a : undefined;
  });
  const s = (await c.status(successor.process)) as (KafkaNodeStatus & ZkBrokerStatus) | undefined;
  if (s === undefined) throw new Error(`${successor.process.name} stopped answering`);
  const activeMs = s.activeSinceMs - t0;
  let failoverMs = activeMs;
  if (mode === "zk") {
    // Every survivor must know every partition's (live) leader from the new epoch, then stay quiet for quietMs.
    let last = -1;
    let since = Date.now();
    failoverMs = await c.waitFor(`every broker knowing the ${partitions} new leaders`, deadline, async () => {
      const all = await Promise.all(c.of("broker").map((p) => c.status<ZkBrokerStatus>(p, 2000)));
      if (all.some((x) => x === undefined || x.brokerControllerEpoch < successor.epoch || x.ledByLive !== partitions)) return undefined;
      const latest = Math.max(...all.map((x) => x!.lastApplyMs));
      if (latest !== last) (last = latest), (since = Date.now());
      return Date.now() - since >= quietMs ? latest - t0 : undefined;
    });
  }
  return { mode, partitions, killed: old.process.name, oldEpoch: old.epoch, successor: successor.process.name, newEpoch: successor.epoch, activeMs, failoverMs };
}
