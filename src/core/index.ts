/**
 * Every core under the one contract (docs/cores.md), for the simulator, the explorer and cores of your own:
 * the {@link Core} interface and its parts, the {@link Hasher} for fingerprints, and each core's bundle.
 * Loads no `node:` module.
 *
 * ```ts
 * import { raftCore, type Core } from "quorate/core";
 * let s = raftCore.create({ id: 1, voters: [1, 2, 3], electionTick: 10, heartbeatTick: 1, seed: 1 });
 * s = raftCore.step(s, { type: "timeout", timer: "election" }).state;
 * ```
 * @packageDocumentation
 */
export type { Core, Rejected, StepResult, TimeoutInput, Typed } from "./contract.js";
export { Hasher } from "./fingerprint.js";
export { raftCore } from "./raft/core.js";
export { kraftCore } from "./kraft/core.js";
export { zkCore } from "./zk/core.js";
export { zkEnsembleCore } from "./zk-ensemble/core.js";
export { metadataCore } from "./metadata/core.js";
export { kraftNodeCore } from "./kraft-node/core.js";
export { zkControllerCore, zkBrokerCore } from "./zk-controller/index.js";
