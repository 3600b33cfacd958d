/**
 * The deterministic cluster simulator: drives any pure core (through `Protocol`) under seeded network, disk
 * and clock faults, checks safety after every event and liveness after healing.
 * @packageDocumentation
 */
export type { AnyProtocol, ClientReply, ClientRequest, DurableInfo, Effects, NodeView, ObservationChecker, Protocol } from "./protocol.js";
export { coreProtocol } from "./driver.js";
export type { CoreAdapter, Driver, DriverNode, SimDisk } from "./driver.js";
export { Prng } from "./prng.js";
export { EventQueue } from "./event-queue.js";
export type { SimEvent } from "./event-queue.js";
export { DEFAULT_CLIENTS, FAULT_NAMES, SimOptionError, allFaults, checkOptions, formatFaults, noFaults, parseFaults } from "./options.js";
export type { FaultSet, SimOptions } from "./options.js";
export { Simulator, simulate } from "./simulator.js";
export type { SimResult, SimStats } from "./simulator.js";
export { addStats, newStats, provesNothing, publicStats } from "./stats.js";
export type { PublicStats } from "./stats.js";
export { DEFAULT_RAFT_SIM_CONFIG, raftProtocol } from "./raft-protocol.js";
export type { RaftNode, RaftSimConfig } from "./raft-protocol.js";
export { acknowledgeRaftWrite, entryDigest, observedEntries, raftDisk, raftPersistedState, raftWrite } from "./raft-storage.js";
export type { RaftAck, RaftDisk, RaftWrite } from "./raft-storage.js";
export { SYSTEMS, raftConfigFor } from "./systems.js";
export { CampaignError, runCampaign, workerPath } from "./campaign.js";
export type { CampaignSpec, SeedOutcome } from "./campaign.js";
export { LEGENDS, diagramData, renderSpaceTime } from "./html.js";
export type { DiagramData, DiagramOptions, DiagramSystem, LegendEntry, ProtocolLegend } from "./html.js";
export { FAST_TIMING, KAFKA_DEFAULT_TIMING, applyPersist, defaultRoles, kraftConfigFor, kraftProtocol } from "./kraft-protocol.js";
export type { KraftSimConfig, KraftSimNode, KraftWrite } from "./kraft-protocol.js";
export { toNativeHistory } from "./history.js";
export type { NativeHistory, NativeOperation } from "./history.js";
