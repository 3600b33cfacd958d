/**
 * Leader election for one partition, as Kafka's `PartitionLeaderElectionAlgorithms` (unclean election off):
 * the new leader is the first replica in assignment order that is alive and in the ISR (and not shutting down).
 * @module
 */
import type { ElectionReason, PartitionState } from "./types.js";

/**
 * The partition's next state, or `undefined` when nothing changes (or no replica can lead and none led before).
 * Every change bumps the leader epoch; a partition whose whole ISR is dead gets leader −1 and keeps its ISR.
 */
export function electLeader(
  st: PartitionState,
  reason: ElectionReason,
  live: ReadonlySet<number>,
  shuttingDown: ReadonlySet<number>,
  controllerEpoch: number,
): PartitionState | undefined {
  const usable = (b: number): boolean => live.has(b) && !shuttingDown.has(b);
  const next = (leader: number, isr: readonly number[]): PartitionState => ({ ...st, leader, isr, leaderEpoch: st.leaderEpoch + 1, controllerEpoch });
  if (reason === "new") {
    const alive = st.replicas.filter(usable);
    if (alive.length === 0) return undefined;
    return { ...st, leader: alive[0]!, isr: alive, leaderEpoch: 0, controllerEpoch };
  }
  if (reason === "controlled-shutdown") {
    const isr = st.isr.filter((b) => !shuttingDown.has(b));
    if (!shuttingDown.has(st.leader)) return isr.length === st.isr.length || isr.length === 0 ? undefined : next(st.leader, isr);
    const leader = st.replicas.find((b) => isr.includes(b) && live.has(b));
    return leader === undefined ? undefined : next(leader, isr);
  }
  const liveIsr = st.isr.filter((b) => live.has(b));
  if (st.leader >= 0 && live.has(st.leader) && st.isr.includes(st.leader)) {
    return liveIsr.length === st.isr.length ? undefined : next(st.leader, liveIsr);
  }
  const leader = st.replicas.find((b) => liveIsr.includes(b) && usable(b)) ?? st.replicas.find((b) => liveIsr.includes(b));
  if (leader !== undefined) return next(leader, liveIsr);
  return st.leader === -1 ? undefined : next(-1, st.isr);
}
