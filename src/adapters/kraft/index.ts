/**
 * KRaft cluster scenarios on the deterministic simulator: an in-process cluster of controllers and brokers
 * ({@link KafkaCluster}) and the narrated scenarios of `quorate simulate --system kraft --scenario NAME`.
 * @packageDocumentation
 */
export { ClusterTimeoutError, KafkaCluster } from "./cluster.js";
export type { ClusterSpec, TimelineEvent } from "./cluster.js";
export { DEFAULT_PARTITIONS, SCENARIOS, ScenarioOptionError, formatScenario, runScenario } from "./scenarios.js";
export type { Expectation, ScenarioName, ScenarioOptions, ScenarioResult } from "./scenarios.js";
