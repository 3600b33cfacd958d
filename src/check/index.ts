/**
 * What judges runs: the safety invariants of each protocol, and the linearizability checker.
 *
 * ```ts
 * import { invariants, linearizability } from "quorate/check";
 * ```
 * @packageDocumentation
 */
export * as invariants from "./invariants/index.js";
export * as linearizability from "./linearizability/index.js";
