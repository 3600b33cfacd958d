/**
 * `npm run bench -- metadata [--sizes 100000,1000000,2000000] [--brokers 100] [--rf 3] [--per-topic 100]
 *  [--repeat 3] [--json]`
 *
 * Builds a metadata log of N partitions (rf replicas, B brokers) by driving the real controller with
 * CreateTopics requests, then measures:
 *  - memory per partition of the image: (heapUsed + arrayBuffers) delta around building one image, after a full GC,
 *    divided by N. GC is exposed at runtime (v8 flag + vm) when the process was not started with --expose-gc; to pass
 *    it explicitly: `NODE_OPTIONS=--expose-gc npm run bench -- metadata`.
 *  - replay of the whole log: decode the binary batches + replay into a fresh image;
 *  - snapshot write (encodeSnapshot) and load (decodeSnapshot, which validates every row);
 *  - controller failover: a standby holding the image becomes active (became-leader step);
 *  - controlled shutdown: the ControlledShutdown step of a broker leading ~N/B partitions (moving every leadership
 *    and ISR membership away), plus encoding the resulting batch and committing it;
 *  - uncontrolled failure: the tick at which the controller notices the lapsed session and fences a broker leading
 *    ~N/B partitions, electing new leaders from the ISRs, plus encode and commit.
 * Every timing is the best of --repeat runs (the machine is shared; wall-clock figures are noisy).
 */
import { parseArgs } from "node:util";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import {
  MetadataDelta,
  MetadataImage,
  decodeBatch,
  decodeSnapshot,
  encodeBatch,
  encodeSnapshot,
  initController,
  replayBatch,
  step,
} from "../src/core/metadata/index.js";
import type { ControllerInput, ControllerState, MetadataRecord } from "../src/core/metadata/index.js";

function gcFunction(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === "function") return g;
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}
const gc = gcFunction();
function memory(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
function now(): number {
  return performance.now();
}
/** CPU time (user + system) of this process in ms: less disturbed than wall time when other jobs share the cores. */
function cpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Log {
  batches: { baseOffset: number; epoch: number; bytes: Uint8Array }[];
  bytes: number;
  records: number;
  nextOffset: number;
}

/** Feeds an input, commits every append immediately (a one-node quorum), records appended batches in `log`. */
function drive(state: ControllerState, input: ControllerInput, log: Log | null): ControllerState {
  const queue: ControllerInput[] = [input];
  let s = state;
  while (queue.length > 0) {
    const r = step(s, queue.shift() as ControllerInput);
    s = r.state;
    for (const o of r.outputs) {
      if (o.type === "rejected") throw new Error(`${o.reason}: ${o.detail}`);
      if (o.type === "append") {
        if (log !== null) {
          const bytes = encodeBatch(o.records);
          log.batches.push({ baseOffset: o.baseOffset, epoch: o.epoch, bytes });
          log.bytes += bytes.length;
          log.records += o.records.length;
        }
        queue.push({ type: "commit", baseOffset: o.baseOffset, epoch: o.epoch, records: o.records });
      }
      if (o.type === "reply" && o.response.errorCode !== "NONE") throw new Error(`request failed: ${JSON.stringify(o.response).slice(0, 300)}`);
    }
  }
  return s;
}

function buildLog(partitions: number, brokers: number, rf: number, perTopic: number): { log: Log; genMs: number } {
  const log: Log = { batches: [], bytes: 0, records: 0, nextOffset: 0 };
  const t0 = now();
  let s = initController({ seed: 12345 });
  s = drive(s, { type: "became-leader", epoch: 1, nextOffset: 0 }, log);
  for (let b = 0; b < brokers; b++) s = drive(s, { type: "request", id: b, request: { type: "BrokerRegistration", brokerId: b, incarnationId: `inc-${b}` } }, log);
  for (let b = 0; b < brokers; b++) {
    const reg = s.committed.broker(b);
    if (reg === undefined) throw new Error("registration lost");
    s = drive(s, { type: "request", id: b, request: { type: "BrokerHeartbeat", brokerId: b, brokerEpoch: reg.brokerEpoch, currentMetadataOffset: s.committed.offset, wantFence: false, wantShutDown: false } }, log);
  }
  let made = 0;
  let topicNo = 0;
  while (made < partitions) {
    const topics = [];
    for (let k = 0; k < 10 && made < partitions; k++) {
      const n = Math.min(perTopic, partitions - made);
      topics.push({ name: `topic-${topicNo++}`, numPartitions: n, replicationFactor: rf });
      made += n;
    }
    s = drive(s, { type: "request", id: topicNo, request: { type: "CreateTopics", topics } }, log);
  }
  log.nextOffset = s.active?.nextOffset ?? 0;
  return { log, genMs: now() - t0 };
}

function replayLog(log: Log): MetadataImage {
  let image = MetadataImage.EMPTY;
  for (const b of log.batches) {
    const records: MetadataRecord[] = decodeBatch(b.bytes);
    const delta = new MetadataDelta(image);
    for (let i = 0; i < records.length; i++) delta.replay(records[i] as MetadataRecord, b.baseOffset + i, true);
    image = delta.apply();
  }
  return image;
}

function best<T>(repeat: number, f: () => T): { ms: number; cpuMs: number; value: T } {
  let ms = Infinity;
  let cpuMs = Infinity;
  let value: T | undefined;
  for (let i = 0; i < repeat; i++) {
    const t0 = now();
    const c0 = cpu();
    value = f();
    cpuMs = Math.min(cpuMs, cpu() - c0);
    ms = Math.min(ms, now() - t0);
  }
  return { ms, cpuMs, value: value as T };
}

/** A standby that loads the snapshot and becomes active at the next epoch, with every broker's session fresh. */
function standbyTakesOver(snapshot: Uint8Array, nextOffset: number): { state: ControllerState; failoverMs: number } {
  let s = initController({ nodeId: 1, seed: 99 });
  s = step(s, { type: "load-snapshot", snapshot }).state;
  const t0 = now();
  s = drive(s, { type: "became-leader", epoch: 2, nextOffset }, null);
  return { state: s, failoverMs: now() - t0 };
}

function leaderCounts(image: MetadataImage): Map<number, number> {
  const counts = new Map<number, number>();
  for (const t of image.topics.values()) for (let p = 0; p < t.partitions.count; p++) counts.set(t.partitions.leader(p), (counts.get(t.partitions.leader(p)) ?? 0) + 1);
  return counts;
}

interface ShutdownFigures {
  victim: number;
  ledBefore: number;
  records: number;
  stepMs: number;
  stepCpuMs: number;
  encodeMs: number;
  commitMs: number;
  ledAfter: number;
}

function appendsOf(outputs: ReturnType<typeof step>["outputs"]): MetadataRecord[][] {
  const out: MetadataRecord[][] = [];
  for (const o of outputs) if (o.type === "append") out.push([...o.records]);
  return out;
}

function measureShutdown(state: ControllerState, victim: number, ledBefore: number): ShutdownFigures {
  const reg = state.committed.broker(victim);
  if (reg === undefined) throw new Error("no victim");
  const t0 = now();
  const c0 = cpu();
  const r = step(state, { type: "request", id: 1, request: { type: "ControlledShutdown", brokerId: victim, brokerEpoch: reg.brokerEpoch } });
  const stepCpuMs = cpu() - c0;
  const stepMs = now() - t0;
  const batches = appendsOf(r.outputs);
  const t1 = now();
  for (const b of batches) encodeBatch(b);
  const encodeMs = now() - t1;
  let s = r.state;
  const t2 = now();
  for (const o of r.outputs) if (o.type === "append") s = step(s, { type: "commit", baseOffset: o.baseOffset, epoch: o.epoch, records: o.records }).state;
  const commitMs = now() - t2;
  return { victim, ledBefore, records: batches.reduce((n, b) => n + b.length, 0), stepMs, stepCpuMs, encodeMs, commitMs, ledAfter: leaderCounts(s.committed).get(victim) ?? 0 };
}

function measureFailure(state: ControllerState, victim: number, ledBefore: number): ShutdownFigures & { detectedAfterMs: number } {
  let s = state;
  const start = s.nowMs;
  const others = [...s.committed.brokers.keys()].filter((b) => b !== victim);
  for (;;) {
    // Everyone else heartbeats every 2 s; the victim is silent.
    if ((s.nowMs - start) % 2000 === 0) {
      for (const b of others) {
        const reg = s.committed.broker(b);
        if (reg === undefined) continue;
        s = drive(s, { type: "request", id: b, request: { type: "BrokerHeartbeat", brokerId: b, brokerEpoch: reg.brokerEpoch, currentMetadataOffset: s.committed.offset, wantFence: false, wantShutDown: false } }, null);
      }
    }
    const t0 = now();
    const c0 = cpu();
    const r = step(s, { type: "tick" });
    const stepCpuMs = cpu() - c0;
    const stepMs = now() - t0;
    const batches = appendsOf(r.outputs);
    const fenced = batches.some((b) => b.some((rec) => rec.type === "FenceBroker"));
    if (!fenced) {
      s = r.state;
      for (const o of r.outputs) if (o.type === "append") s = step(s, { type: "commit", baseOffset: o.baseOffset, epoch: o.epoch, records: o.records }).state;
      if (s.nowMs - start > 60000) throw new Error("broker never fenced");
      continue;
    }
    const t1 = now();
    for (const b of batches) encodeBatch(b);
    const encodeMs = now() - t1;
    let c = r.state;
    const t2 = now();
    for (const o of r.outputs) if (o.type === "append") c = step(c, { type: "commit", baseOffset: o.baseOffset, epoch: o.epoch, records: o.records }).state;
    const commitMs = now() - t2;
    return {
      victim,
      ledBefore,
      records: batches.reduce((n, b) => n + b.length, 0),
      stepMs,
      stepCpuMs,
      encodeMs,
      commitMs,
      ledAfter: leaderCounts(c.committed).get(victim) ?? 0,
      detectedAfterMs: r.state.nowMs - start,
    };
  }
}

const fmt = (ms: number): string => (ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0));

/** Entry point for `npm run bench -- metadata`. */
export async function run(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      sizes: { type: "string", default: "100000,1000000,2000000" },
      brokers: { type: "string", default: "100" },
      rf: { type: "string", default: "3" },
      "per-topic": { type: "string", default: "100" },
      repeat: { type: "string", default: "3" },
      json: { type: "boolean", default: false },
    },
  });
  const sizes = (values.sizes as string).split(",").map((x) => Number(x));
  const brokers = Number(values.brokers);
  const rf = Number(values.rf);
  const perTopic = Number(values["per-topic"]);
  const repeat = Number(values.repeat);
  for (const [name, v] of [["brokers", brokers], ["rf", rf], ["per-topic", perTopic], ["repeat", repeat], ...sizes.map((s) => ["sizes", s] as const)] as const) {
    if (!Number.isSafeInteger(v) || v < 1) {
      process.stderr.write(`bench metadata: --${name} must be a positive integer\n`);
      process.exitCode = 2;
      return;
    }
  }
  if (rf > brokers) {
    process.stderr.write("bench metadata: --rf must not exceed --brokers\n");
    process.exitCode = 2;
    return;
  }
  const results = [];
  process.stdout.write(`metadata image benchmark: rf=${rf}, ${brokers} brokers, ${perTopic} partitions/topic, best of ${repeat}; node ${process.version}\n`);
  for (const n of sizes) {
    const { log, genMs } = buildLog(n, brokers, rf, perTopic);
    const before = memory();
    let image: MetadataImage | null = replayLog(log);
    const after = memory();
    const bytesPerPartition = (after - before) / n;
    if (image.partitionCount !== n) throw new Error(`expected ${n} partitions, got ${image.partitionCount}`);
    image = null;
    const replay = best(repeat, () => replayLog(log));
    const img = replay.value;
    const write = best(repeat, () => encodeSnapshot(img));
    const snapshot = write.value;
    const load = best(repeat, () => decodeSnapshot(snapshot));
    // Copy-on-write: a speculative image one PartitionChange ahead of the committed one shares every other topic
    // table (counted by identity, not by a noisy heap delta); the copy is one table plus one map bucket.
    const anyTopic = img.topics.values().next().value as { id: string; partitions: { rows: Int32Array } } | undefined;
    if (anyTopic === undefined) throw new Error("no topics");
    const speculative = replayBatch(img, [{ type: "PartitionChange", topicId: anyTopic.id, partitionId: 0, leader: -1, isr: null, replicas: null }], img.offset + 1);
    let sharedTables = 0;
    for (const [id, t] of img.topics.entries()) if (speculative.topics.get(id) === t) sharedTables++;
    const cowBytes = anyTopic.partitions.rows.byteLength;
    // Pick the broker leading the most partitions (~N/B with even placement).
    const counts = leaderCounts(img);
    let victim = 0;
    for (const [b, c] of counts) if (b >= 0 && c > (counts.get(victim) ?? 0)) victim = b;
    const led = counts.get(victim) ?? 0;
    let failoverMs = Infinity;
    let cs: ShutdownFigures | null = null;
    let uf: (ShutdownFigures & { detectedAfterMs: number }) | null = null;
    for (let i = 0; i < repeat; i++) {
      const a = standbyTakesOver(snapshot, log.nextOffset + 1);
      failoverMs = Math.min(failoverMs, a.failoverMs);
      const c = measureShutdown(a.state, victim, led);
      if (cs === null || c.stepCpuMs < cs.stepCpuMs) cs = c;
      const f = measureFailure(standbyTakesOver(snapshot, log.nextOffset + 1).state, victim, led);
      if (uf === null || f.stepCpuMs < uf.stepCpuMs) uf = f;
    }
    const row = {
      partitions: n,
      topics: img.topics.size,
      logRecords: log.records,
      logMB: log.bytes / 1e6,
      logGenerationMs: genMs,
      bytesPerPartition,
      replayMs: replay.ms,
      replayCpuMs: replay.cpuMs,
      speculativeSharedTables: sharedTables,
      speculativeCopiedBytes: cowBytes,
      snapshotMB: snapshot.length / 1e6,
      snapshotWriteMs: write.ms,
      snapshotWriteCpuMs: write.cpuMs,
      snapshotLoadMs: load.ms,
      snapshotLoadCpuMs: load.cpuMs,
      failoverMs,
      controlledShutdown: cs,
      uncontrolledFailure: uf,
    };
    results.push(row);
    if (!values.json) {
      const p = (s: string): void => void process.stdout.write(s + "\n");
      p(`\n== ${n.toLocaleString("en-US")} partitions (${row.topics} topics) ==`);
      p(`log: ${log.records.toLocaleString("en-US")} records, ${row.logMB.toFixed(1)} MB encoded; generated by the controller in ${fmt(genMs)} ms`);
      p(`image memory: ${bytesPerPartition.toFixed(1)} bytes/partition (${((after - before) / 1e6).toFixed(1)} MB)`);
      p(`a speculative image one PartitionChange ahead shares ${sharedTables} of ${img.topics.size} topic tables; copies one table (${(cowBytes / 1024).toFixed(1)} KiB) and one map bucket`);
      p(`replay whole log (decode + replay): ${fmt(replay.ms)} ms wall, ${fmt(replay.cpuMs)} ms CPU (${((log.records / replay.cpuMs) * 1000 / 1e6).toFixed(2)} M records/CPU-s)`);
      p(`snapshot: ${row.snapshotMB.toFixed(1)} MB, write ${fmt(write.ms)} ms wall / ${fmt(write.cpuMs)} ms CPU, load+validate ${fmt(load.ms)} ms wall / ${fmt(load.cpuMs)} ms CPU`);
      p(`standby → active (became-leader step, image already in memory): ${fmt(failoverMs)} ms`);
      if (cs !== null) p(`controlled shutdown of broker ${cs.victim} leading ${cs.ledBefore}: step ${fmt(cs.stepMs)} ms wall (${fmt(cs.stepCpuMs)} ms CPU) + encode ${fmt(cs.encodeMs)} ms + commit ${fmt(cs.commitMs)} ms, ${cs.records} records; leads ${cs.ledAfter} after`);
      if (uf !== null) p(`uncontrolled failure of broker ${uf.victim} leading ${uf.ledBefore}: detected ${uf.detectedAfterMs} ms (simulated) after its last heartbeat; fence step ${fmt(uf.stepMs)} ms wall (${fmt(uf.stepCpuMs)} ms CPU) + encode ${fmt(uf.encodeMs)} ms + commit ${fmt(uf.commitMs)} ms, ${uf.records} records; leads ${uf.ledAfter} after`);
    }
  }
  if (values.json) process.stdout.write(JSON.stringify({ suite: "metadata", brokers, rf, perTopic, repeat, node: process.version, results }) + "\n");
}
