/**
 * The cost constants of the ZooKeeper-mode simulation, one place. docs/compare.md says where each comes from;
 * `measureZkModeCosts` (calibrate.ts) replaces the CPU ones with figures measured on this machine.
 * @module
 */

/** What each step of a ZooKeeper-mode run costs, in simulated milliseconds. */
export interface ZkModeTiming {
  /** Kafka's `zookeeper.session.timeout.ms` default (Kafka 2.5+): a dead broker's znodes go after this. */
  readonly sessionTimeoutMs: number;
  /** One-way network latency between any two hosts (same LAN as the KRaft simulation). */
  readonly networkOneWayMs: number;
  /** Service time of a read at the ZooKeeper server (the quorate tree answering getData/getChildren/exists). */
  readonly zkReadServiceMs: number;
  /**
   * Service time of a write: how long it holds the ensemble's leader (its apply and its share of a group-committed
   * log write). Writes are pipelined, so this, not the commit latency, bounds their throughput.
   */
  readonly zkWriteServiceMs: number;
  /** Commit latency of a write beyond its service time: the quorum round (propose, fsync, ack, commit). Not serialised. */
  readonly zkWriteCommitMs: number;
  /** Controller CPU per partition record it handles: one ZooKeeper reply parsed, or one partition put into a broker request. */
  readonly controllerCpuPerRecordMs: number;
  /** Broker CPU per partition state applied from LeaderAndIsr/UpdateMetadata. */
  readonly brokerCpuPerRecordMs: number;
  /** Kafka's `zookeeper.max.in.flight.requests` default. */
  readonly maxInFlight: number;
}

/**
 * Defaults: Kafka's configuration defaults where Kafka has one; the rest as measured on the development
 * machine on 2026-12-05 (`measureZkModeCosts`, printed by `quorate compare`; see docs/compare.md), rounded.
 */
export const ZK_MODE_DEFAULT_TIMING: ZkModeTiming = {
  sessionTimeoutMs: 18_000,
  networkOneWayMs: 0.25,
  zkReadServiceMs: 0.006,
  zkWriteServiceMs: 0.044,
  zkWriteCommitMs: 2.0,
  controllerCpuPerRecordMs: 0.00074,
  brokerCpuPerRecordMs: 0.00015,
  maxInFlight: 10,
};
