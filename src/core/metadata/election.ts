/**
 * Partition leader election and ISR changes, as Kafka's PartitionChangeBuilder:
 * keep the current leader if it is still acceptable; else the first replica (in replica order) that is in the
 * ISR and acceptable; else, only when unclean election is enabled, the first acceptable replica (the ISR then
 * becomes just that replica); else no leader (-1). Removing a broker never empties the ISR: the last member stays
 * (with no leader), so a later clean election can still pick it when it returns.
 */
import type { PartitionTable } from "./partitions.js";
import { NO_LEADER, NO_LEADER_CHANGE } from "./records.js";
import type { PartitionChangeRecord } from "./records.js";

/** Whether a broker may lead: registered, unfenced and not in controlled shutdown. */
export type LeaderAcceptor = (brokerId: number) => boolean;

/**
 * The leader the election rules pick for a partition with replicas `replicas` and target ISR `isr`.
 * @returns `{ leader, isr }` where `isr` is replaced by `[leader]` on an unclean election
 */
export function electLeader(
  currentLeader: number,
  replicas: readonly number[],
  isr: readonly number[],
  acceptable: LeaderAcceptor,
  uncleanAllowed: boolean,
): { leader: number; isr: readonly number[] } {
  if (currentLeader !== NO_LEADER && isr.includes(currentLeader) && acceptable(currentLeader)) return { leader: currentLeader, isr };
  for (const r of replicas) if (isr.includes(r) && acceptable(r)) return { leader: r, isr };
  if (uncleanAllowed) for (const r of replicas) if (acceptable(r)) return { leader: r, isr: [r] };
  return { leader: NO_LEADER, isr };
}

/**
 * The PartitionChange that removes `removeBroker` (or nobody, with -1) from partition `p`'s ISR and leadership
 * and re-runs the election, or null when nothing would change.
 * @param topicId - id of the partition's topic
 * @param table - the topic's partition table
 * @param p - partition index
 * @param removeBroker - broker being fenced / shut down / unregistered, or -1
 * @param acceptable - which brokers may lead (must already reject `removeBroker`)
 * @param uncleanAllowed - whether an out-of-sync replica may be elected
 */
export function partitionChangeFor(
  topicId: string,
  table: PartitionTable,
  p: number,
  removeBroker: number,
  acceptable: LeaderAcceptor,
  uncleanAllowed: boolean,
): PartitionChangeRecord | null {
  const oldLeader = table.leader(p);
  const oldIsr = table.isr(p);
  let isr: readonly number[] = oldIsr;
  if (removeBroker >= 0 && oldIsr.length > 1 && oldIsr.includes(removeBroker)) isr = oldIsr.filter((b) => b !== removeBroker);
  const elected = electLeader(oldLeader, table.replicas(p), isr, acceptable, uncleanAllowed);
  const isrChanged = elected.isr.length !== oldIsr.length || elected.isr.some((b, i) => oldIsr[i] !== b);
  if (elected.leader === oldLeader && !isrChanged) return null;
  return {
    type: "PartitionChange",
    topicId,
    partitionId: p,
    leader: elected.leader === oldLeader ? NO_LEADER_CHANGE : elected.leader,
    isr: isrChanged ? [...elected.isr] : null,
    replicas: null,
  };
}
