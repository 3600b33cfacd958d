/**
 * The names of the invariants the explorer checks on every Raft node, written out by hand: a test that compares
 * the explorer's list against this one fails when an invariant is dropped or renamed. The ZooKeeper ensemble's
 * explorer checks these on each replica, plus its own.
 */
export const RAFT_EXPLORED_INVARIANTS: readonly string[] = [
  "commit-current-term",
  "commit-durable-majority",
  "commit-monotonic",
  "election-safety",
  "leader-append-only",
  "leader-completeness",
  "log-matching",
  "node-state",
  "single-vote",
  "state-machine-safety",
];
