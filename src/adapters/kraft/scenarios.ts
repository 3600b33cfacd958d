/**
 * The KRaft scenarios of `quorate simulate --system kraft --scenario NAME`: a broker dies, the active controller
 * dies, the active controller is cut off, a broker shuts down in a controlled way, the whole cluster starts cold
 * from its metadata logs. Each runs on a {@link KafkaCluster} with Kafka's default timing,
 * narrates what happens with simulated times, measures how long it takes, and checks its expectations plus every
 * cluster invariant after every event.
 */
import * as kraft from "../../core/kraft/index.js";
import * as kraftNode from "../../core/kraft-node/index.js";
import type { ClusterViolation } from "../../core/kraft-node/index.js";
import { leaderOf } from "../../core/metadata/index.js";
import type { MetadataImage } from "../../core/metadata/index.js";
import { KAFKA_DEFAULT_TIMING } from "../simulator/index.js";
import { ClusterTimeoutError, KafkaCluster } from "./cluster.js";
import type { TimelineEvent } from "./cluster.js";

/** Scenario names. */
export const SCENARIOS = ["broker-failure", "controller-failover", "network-partition", "controlled-shutdown", "cold-start"] as const;
/** One of {@link SCENARIOS}. */
export type ScenarioName = (typeof SCENARIOS)[number];

/** Options of a scenario run. */
export interface ScenarioOptions {
  /** Partitions created before the fault (replication factor 3). */
  readonly partitions: number;
  readonly seed: number;
  /** Brokers besides the 3 controllers. Default 5. */
  readonly brokers?: number;
}

/** One expectation of a scenario and whether it held. */
export interface Expectation {
  readonly expect: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** The outcome: `ok` only when every expectation and every invariant held. */
export interface ScenarioResult {
  readonly ok: boolean;
  readonly scenario: ScenarioName;
  readonly partitions: number;
  readonly seed: number;
  readonly events: readonly TimelineEvent[];
  readonly metrics: Readonly<Record<string, number>>;
  readonly expectations: readonly Expectation[];
  readonly violations: readonly ClusterViolation[];
}

/** A bad scenario option; names it. */
export class ScenarioOptionError extends Error {
  readonly code = "E_SCENARIO_OPTION";
  constructor(message: string) {
    super(message);
    this.name = "ScenarioOptionError";
  }
}

/** Default partition count of each scenario. */
export const DEFAULT_PARTITIONS: Readonly<Record<ScenarioName, number>> = {
  "broker-failure": 100,
  "controller-failover": 1000,
  "network-partition": 100,
  "controlled-shutdown": 1000,
  "cold-start": 1000,
};

class Checks {
  readonly list: Expectation[] = [];
  expect(what: string, ok: boolean, detail: string): void {
    this.list.push({ expect: what, ok, detail });
  }
}

/** Runs one scenario. Never throws for a scenario that goes wrong: that is a failed expectation. */
export function runScenario(name: ScenarioName, options: ScenarioOptions): ScenarioResult {
  if (!(SCENARIOS as readonly string[]).includes(name)) throw new ScenarioOptionError(`--scenario must be one of ${SCENARIOS.join(", ")}, got '${name}'`);
  if (!Number.isSafeInteger(options.partitions) || options.partitions < 1 || options.partitions > 1_000_000) {
    throw new ScenarioOptionError(`--partitions must be an integer in 1..1000000, got ${options.partitions}`);
  }
  const brokers = options.brokers ?? 5;
  if (!Number.isSafeInteger(brokers) || brokers < 3 || brokers > 12) throw new ScenarioOptionError(`brokers must be in 3..12, got ${brokers}`);
  const cluster = new KafkaCluster({ controllers: 3, brokers, seed: options.seed });
  const checks = new Checks();
  const metrics: Record<string, number> = {};
  try {
    cluster.bootstrap();
    // Comparing whole images across nodes on every batch is quadratic while loading a huge one: compare again once loaded.
    if (options.partitions > 5000) cluster.compareImages(false);
    // Above 100 partitions the topics are named orders-0, orders-1, …: the scenario uses the names created.
    const topics = cluster.createPartitions(name === "broker-failure" || name === "controlled-shutdown" ? "orders" : "t", options.partitions, 3);
    cluster.compareImages(true);
    if (name === "broker-failure") brokerFailure(cluster, checks, metrics, topics);
    else if (name === "controlled-shutdown") controlledShutdown(cluster, checks, metrics, topics);
    else if (name === "cold-start") coldStart(cluster, checks, metrics, options.partitions);
    else if (name === "controller-failover") controllerFailover(cluster, checks, metrics, options.partitions);
    else networkPartition(cluster, checks, metrics);
  } catch (e) {
    // A scenario reports, never crashes: a timeout (or any other failure) is a failed expectation naming it.
    const detail = e instanceof ClusterTimeoutError ? e.message : `${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} (at t=${cluster.now} ms)`;
    checks.expect("the scenario ran to its end", false, detail);
  }
  checks.expect("every invariant held after every event", cluster.violations.length === 0, cluster.violations.length === 0 ? "none broken" : `${cluster.violations.length} violation(s), first: ${cluster.violations[0]!.invariant}: ${cluster.violations[0]!.detail}`);
  return {
    ok: checks.list.every((c) => c.ok),
    scenario: name,
    partitions: options.partitions,
    seed: options.seed,
    events: cluster.timeline,
    metrics,
    expectations: checks.list,
    violations: cluster.violations.slice(0, 20),
  };
}

function brokerFailure(c: KafkaCluster, checks: Checks, metrics: Record<string, number>, topics: readonly string[]): void {
  const topic = topics[0]!;
  const observer = c.brokerIds[0]!;
  const victim = c.whoLeads(observer, topic, 0).leader;
  // Every partition the victim leads, across all topics: each must move.
  const led: { topic: string; partition: number }[] = [];
  for (const t of topics) {
    const count = c.brokerImage(observer).topicByName(t)?.partitions.count ?? 0;
    for (let p = 0; p < count; p++) if (c.whoLeads(observer, t, p).leader === victim) led.push({ topic: t, partition: p });
  }
  const asker = c.brokerIds.find((b) => b !== victim)!;
  c.narrate(`broker ${victim} leads ${topic}-0 and ${led.length - 1} other partition(s); a client polls broker ${asker} for ${topic}-0's leader`);
  const t0 = c.now;
  c.crash(victim);
  const activeImage = () => c.node(c.activeController()).controller?.active?.speculative;
  c.waitFor("the controller fencing the dead broker", 30_000, () => activeImage()?.broker(victim)?.fenced === true);
  metrics.detectMs = c.now - t0;
  c.narrate(`active controller ${c.activeController()} fences broker ${victim}: no heartbeat for the ${KAFKA_DEFAULT_TIMING.sessionTimeoutMs} ms session timeout`);
  c.waitFor("a new leader for the partition committed", 10_000, () => {
    const l = c.node(c.activeController()).controller?.committed.partition(topic, 0)?.leader;
    return l !== undefined && l !== victim && l >= 0;
  });
  metrics.newLeaderMs = c.now - t0;
  const newLeader = c.node(c.activeController()).controller!.committed.partition(topic, 0)!.leader;
  c.narrate(`the new leader of ${topic}-0 (broker ${newLeader}, elected from the ISR) is committed to the metadata log`);
  c.waitFor("the client seeing the new leader", 10_000, () => {
    const l = c.whoLeads(asker, topic, 0);
    return l.errorCode === "NONE" && l.leader !== victim;
  });
  metrics.clientSeesLeaderMs = c.now - t0;
  c.narrate(`client asks broker ${asker}: ${topic}-0 is led by broker ${c.whoLeads(asker, topic, 0).leader}`);
  c.advance(1000);
  const live = c.brokerIds.filter((b) => b !== victim);
  checks.expect(
    "the failure is noticed only after the session timeout",
    metrics.detectMs >= KAFKA_DEFAULT_TIMING.sessionTimeoutMs - KAFKA_DEFAULT_TIMING.heartbeatIntervalMs && metrics.detectMs <= KAFKA_DEFAULT_TIMING.sessionTimeoutMs + 500,
    `fenced ${metrics.detectMs} ms after the crash (session timeout ${KAFKA_DEFAULT_TIMING.sessionTimeoutMs} ms, heartbeat every ${KAFKA_DEFAULT_TIMING.heartbeatIntervalMs} ms)`,
  );
  let stale = 0;
  for (const b of live) {
    for (const { topic: t, partition: p } of led) {
      const l = c.whoLeads(b, t, p);
      if (l.leader === victim || l.errorCode !== "NONE") stale++;
    }
  }
  checks.expect("every live broker's image shows a live leader for every partition the dead broker led", stale === 0, `${led.length} partitions × ${live.length} brokers, ${stale} stale`);
  checks.expect("the dead broker is fenced in every live broker's image", live.every((b) => c.brokerImage(b).broker(victim)?.fenced === true), `broker ${victim}`);
  checks.expect("the client saw a new leader", metrics.clientSeesLeaderMs >= metrics.newLeaderMs, `after ${metrics.clientSeesLeaderMs} ms`);
}

/** Partitions of `topics` that broker `leader` leads in `image`. */
function ledBy(image: MetadataImage, topics: readonly string[], leader: number): { topic: string; partition: number }[] {
  const led: { topic: string; partition: number }[] = [];
  for (const t of topics) {
    const count = image.topicByName(t)?.partitions.count ?? 0;
    for (let p = 0; p < count; p++) if (leaderOf(image, t, p).leader === leader) led.push({ topic: t, partition: p });
  }
  return led;
}

function controlledShutdown(c: KafkaCluster, checks: Checks, metrics: Record<string, number>, topics: readonly string[]): void {
  c.advance(1000);
  const observer = c.brokerIds[0]!;
  const victim = c.whoLeads(observer, topics[0]!, 0).leader;
  const led = ledBy(c.brokerImage(observer), topics, victim);
  const live = c.brokerIds.filter((b) => b !== victim);
  const brokerEpoch = c.node(victim).lifecycle!.brokerEpoch;
  c.narrate(`broker ${victim} leads ${led.length} partition(s) and asks the active controller ${c.activeController()} for a controlled shutdown`);
  const offsetBefore = c.node(c.activeController()).controller!.committed.offset;
  const t0 = c.now;
  // Kafka's broker sends this as a heartbeat with wantShutDown; the controller handles both the same way.
  const ctl = c.activeController();
  const rid = c.sendAdmin(ctl, { type: "ControlledShutdown", brokerId: victim, brokerEpoch });
  c.waitFor("the controller accepting the controlled shutdown", 10_000, () => c.reply(ctl, rid) !== undefined);
  const committed = () => c.node(c.activeController()).controller!.committed;
  c.waitFor("every leadership of the broker moved, committed", 30_000, () => c.activeController() >= 0 && ledBy(committed(), topics, victim).length === 0);
  metrics.leadershipMovedMs = c.now - t0;
  metrics.recordsCommitted = committed().offset - offsetBefore;
  c.narrate(`the controller committed new leaders for the ${led.length} partition(s) broker ${victim} led`);
  c.waitFor("every other broker knowing the new leaders", 30_000, () => live.every((b) => ledBy(c.brokerImage(b), topics, victim).length === 0));
  metrics.everyBrokerKnowsMs = c.now - t0;
  c.narrate(`every other broker's image shows the new leaders`);
  c.waitFor("the controller letting the broker go (fenced, told to shut down)", 30_000, () => committed().broker(victim)?.fenced === true);
  metrics.shutdownAllowedMs = c.now - t0;
  c.crash(victim);
  c.advance(1000);
  const r = c.reply(ctl, rid);
  checks.expect("the controller accepted the controlled shutdown", r?.type === "ControlledShutdown" && r.errorCode === "NONE", JSON.stringify(r));
  let stale = 0;
  for (const b of live) {
    for (const { topic, partition } of led) {
      const l = c.whoLeads(b, topic, partition);
      if (l.errorCode !== "NONE" || l.leader === victim || l.leader < 0) stale++;
    }
  }
  checks.expect("every other broker shows a live leader for every partition the broker led", stale === 0, `${led.length} partitions × ${live.length} brokers, ${stale} stale`);
  checks.expect("no leadership was lost to the session timeout", metrics.everyBrokerKnowsMs < KAFKA_DEFAULT_TIMING.sessionTimeoutMs, `${metrics.everyBrokerKnowsMs} ms (session timeout ${KAFKA_DEFAULT_TIMING.sessionTimeoutMs} ms)`);
  checks.expect("the broker was let go only after it led nothing", metrics.shutdownAllowedMs >= metrics.leadershipMovedMs, `fenced at ${metrics.shutdownAllowedMs} ms, leaderships moved at ${metrics.leadershipMovedMs} ms`);
}

function coldStart(c: KafkaCluster, checks: Checks, metrics: Record<string, number>, partitions: number): void {
  c.advance(1000);
  const target = c.node(c.activeController()).controller!.committed.offset;
  metrics.recordsInLog = target;
  const all = [...c.controllerIds, ...c.brokerIds];
  for (const id of all) c.crash(id);
  c.advance(1000);
  c.narrate(`every node down; the metadata log on each disk ends at offset ${target} and holds ${partitions} partitions`);
  const t0 = c.now;
  for (const id of all) c.restart(id);
  c.waitFor("an active controller", 20_000, () => c.activeController() >= 0);
  metrics.activeControllerMs = c.now - t0;
  const holds = (img: MetadataImage | null | undefined): boolean => img !== null && img !== undefined && img.offset >= target && countPartitions(img) >= partitions;
  c.waitFor("every broker holding the whole metadata", 60_000, () => c.brokerIds.every((b) => holds(c.brokerImage(b))));
  metrics.everyBrokerHasMetadataMs = c.now - t0;
  c.narrate(`every broker's image holds the ${partitions} partitions`);
  c.waitFor("every broker unfenced", 60_000, () => {
    const img = c.node(c.activeController()).controller?.committed;
    return img !== undefined && c.brokerIds.every((b) => img.broker(b)?.fenced === false);
  });
  metrics.everyBrokerUnfencedMs = c.now - t0;
  c.narrate(`every broker registered again and unfenced`);
  checks.expect("a controller became active", metrics.activeControllerMs >= 0, `after ${metrics.activeControllerMs} ms`);
  checks.expect("every broker's image holds every partition", c.brokerIds.every((b) => countPartitions(c.brokerImage(b)) === partitions), `${partitions} partitions in ${c.brokerIds.length} brokers`);
  checks.expect("the brokers had the metadata no later than they were unfenced", metrics.everyBrokerHasMetadataMs <= metrics.everyBrokerUnfencedMs, `${metrics.everyBrokerHasMetadataMs} ms, unfenced at ${metrics.everyBrokerUnfencedMs} ms`);
}

function countPartitions(img: MetadataImage): number {
  let n = 0;
  for (const t of img.topics.values()) n += t.partitions.count;
  return n;
}

function controllerFailover(c: KafkaCluster, checks: Checks, metrics: Record<string, number>, partitions: number): void {
  c.advance(1000);
  const old = c.activeController();
  const standbys = c.controllerIds.filter((id) => id !== old);
  const atCrash = new Map(standbys.map((id) => [id, c.node(id).controller!.committed.offset]));
  const counts = standbys.map((id) => totalPartitions(c, id));
  c.narrate(`standby controllers ${standbys.join(",")} hold ${counts.join(" and ")} partitions in memory (replayed as the log committed)`);
  const t0 = c.now;
  c.crash(old);
  c.waitFor("a standby becoming the active controller", 20_000, () => c.activeController() >= 0 && c.activeController() !== old);
  metrics.failoverMs = c.now - t0;
  const fresh = c.activeController();
  const img = c.node(fresh).controller!.committed;
  metrics.recordsReplayedAtFailover = img.offset - (atCrash.get(fresh) ?? 0);
  metrics.partitionsInImage = totalPartitions(c, fresh);
  c.narrate(`controller ${fresh} is active after ${metrics.failoverMs} ms with ${metrics.partitionsInImage} partitions already in its image`);
  const rid = c.sendAdmin(fresh, { type: "CreateTopics", topics: [{ name: "after-failover", numPartitions: 3, replicationFactor: 3 }] });
  c.waitFor("a write through the new controller", 10_000, () => c.reply(fresh, rid) !== undefined);
  const r = c.reply(fresh, rid);
  c.waitFor("brokers seeing the new topic", 10_000, () => c.brokerIds.every((b) => c.whoLeads(b, "after-failover", 2).errorCode === "NONE"));
  c.narrate(`the new controller accepts writes: topic after-failover is in every broker's image`);
  checks.expect("a standby took over", fresh !== old && fresh >= 0, `controller ${old} → ${fresh}`);
  const bound = KAFKA_DEFAULT_TIMING.quorum.fetchTimeoutMs + 2 * KAFKA_DEFAULT_TIMING.quorum.electionTimeoutMs + 500;
  checks.expect("failover within the fetch timeout plus about one election", metrics.failoverMs <= bound, `${metrics.failoverMs} ms (bound ${bound} ms)`);
  checks.expect("the new active controller already held every partition", metrics.partitionsInImage >= partitions, `${metrics.partitionsInImage} of ${partitions}`);
  checks.expect("the takeover replayed only the records of the last moments, not the image", metrics.recordsReplayedAtFailover < 100, `${metrics.recordsReplayedAtFailover} records replayed between the crash and activation`);
  checks.expect("the new controller accepted a write", r?.type === "CreateTopics" && r.topics[0]?.errorCode === "NONE", JSON.stringify(r));
}

function totalPartitions(c: KafkaCluster, id: number): number {
  let n = 0;
  for (const t of c.node(id).controller!.committed.topics.values()) n += t.partitions.count;
  return n;
}

function networkPartition(c: KafkaCluster, checks: Checks, metrics: Record<string, number>): void {
  c.advance(1000);
  const old = c.activeController();
  const oldEpoch = kraftNode.activeEpoch(c.node(old));
  const t0 = c.now;
  c.isolate([old]);
  // A write sent to the cut-off controller must never be acknowledged.
  const rid = c.sendAdmin(old, { type: "AlterConfigs", resources: [{ resourceType: "cluster", resourceName: "", configs: { "written.while.isolated": "yes" } }] });
  c.waitFor("a new active controller on the majority side", 20_000, () => c.activeControllers().some((id) => id !== old));
  metrics.newActiveMs = c.now - t0;
  const fresh = c.activeControllers().find((id) => id !== old)!;
  c.narrate(`controller ${fresh} is active in epoch ${kraftNode.activeEpoch(c.node(fresh))} after ${metrics.newActiveMs} ms`);
  c.waitFor("the cut-off controller resigning (check-quorum)", 20_000, () => kraft.role(c.node(old).quorum) !== "leader" && !kraftNode.isActiveController(c.node(old)));
  metrics.resignMs = c.now - t0;
  c.narrate(`controller ${old} resigned after ${metrics.resignMs} ms: no majority fetched within 1.5 × the ${KAFKA_DEFAULT_TIMING.quorum.fetchTimeoutMs} ms fetch timeout`);
  const isolatedReply = c.reply(old, rid);
  c.heal();
  c.waitFor("the old controller following the new leader", 10_000, () => kraft.leader(c.node(old).quorum) === fresh);
  c.advance(2000);
  const oldImage = c.node(old).controller!.committed;
  const newImage = c.node(fresh).controller!.committed;
  c.narrate(`controller ${old} follows controller ${fresh} in epoch ${kraft.epoch(c.node(old).quorum)}; its image caught up to offset ${oldImage.offset}`);
  checks.expect("a new controller was elected", fresh !== old, `controller ${old} (epoch ${oldEpoch}) → ${fresh} (epoch ${kraftNode.activeEpoch(c.node(fresh))})`);
  const cq = 1.5 * KAFKA_DEFAULT_TIMING.quorum.fetchTimeoutMs;
  checks.expect("the cut-off controller resigned through check-quorum", metrics.resignMs <= cq + 500, `after ${metrics.resignMs} ms (check-quorum ${cq} ms)`);
  checks.expect(
    "the write sent to the cut-off controller was not acknowledged",
    isolatedReply === undefined || isolatedReply.errorCode !== "NONE",
    isolatedReply === undefined ? "no reply" : `reply ${isolatedReply.errorCode}`,
  );
  checks.expect("that write did not take effect", newImage.configs.get("cluster:")?.get("written.while.isolated") === undefined, "cluster config written.while.isolated absent");
  checks.expect("never two controllers accepting writes in one epoch", !c.violations.some((v) => v.invariant === "one-active-controller-per-epoch"), "checked after every event");
}

/** The timeline as text, one event per line, then metrics and expectations. */
export function formatScenario(r: ScenarioResult): string {
  const lines: string[] = [`scenario ${r.scenario}: 3 controllers, partitions ${r.partitions}, seed ${r.seed}`];
  for (const e of r.events) lines.push(`${String(e.t_ms).padStart(8)} ms  ${e.what}`);
  lines.push("metrics:");
  for (const [k, v] of Object.entries(r.metrics)) lines.push(`  ${k} = ${v}`);
  lines.push("expectations:");
  for (const x of r.expectations) lines.push(`  [${x.ok ? "ok" : "FAILED"}] ${x.expect}: ${x.detail}`);
  for (const v of r.violations) lines.push(`  VIOLATION ${v.invariant} (node ${v.node}): ${v.detail}`);
  lines.push(r.ok ? "ok: every expectation and every invariant held" : "FAILED");
  return `${lines.join("\n")}\n`;
}
