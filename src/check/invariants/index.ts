/**
 * Raft safety invariants as reusable predicates over observation records: the simulator checks them after
 * every event, and `quorate verify-trace` checks NDJSON traces recorded from any implementation.
 * @packageDocumentation
 */
export * from "./types.js";
export { LogView } from "./log-view.js";
export { RaftInvariants, checkRaftTrace } from "./raft.js";
export { checkTraceStructure, parseTrace, parseTraceLines, validateRecord, verifyRaftTrace } from "./trace.js";
export type { TraceVerdict } from "./trace.js";
