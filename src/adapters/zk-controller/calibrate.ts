/**
 * Measures on this machine the costs the ZooKeeper-mode simulation charges (see timing.ts): the quorate
 * ZooKeeper ensemble's service time per read and per write (3 replicas in process, synchronous network,
 * in-memory disks: the CPU a request holds the service for), the controller core's CPU per partition record
 * (parsing a partition state reply; building a LeaderAndIsr/UpdateMetadata entry), and the broker core's per
 * partition applied. Wall-clock timing: an adapter, never a core.
 * @module
 */
import { performance } from "node:perf_hooks";
import { EnsembleClient, EnsembleCluster } from "../zk-ensemble/index.js";
import { createZkBroker, encodeAssignment, encodePartitionState, stepZkBroker, stepZkController, zkControllerCore } from "../../core/zk-controller/index.js";
import type { PartitionState, ZkControllerOutput, ZkControllerState } from "../../core/zk-controller/index.js";
import { ZK_MODE_DEFAULT_TIMING, type ZkModeTiming } from "./timing.js";

/** What was measured, per operation, in ms. */
export interface ZkModeCalibration {
  readonly zkReadServiceMs: number;
  readonly zkWriteServiceMs: number;
  readonly controllerCpuPerRecordMs: number;
  readonly brokerCpuPerRecordMs: number;
}

/** Measures the four costs (best of `rounds`, after a warm-up); takes one to a few seconds. */
export async function measureZkModeCosts(options: { readonly ops?: number; readonly rounds?: number } = {}): Promise<ZkModeCalibration> {
  const ops = options.ops ?? 2000;
  const rounds = options.rounds ?? 3;
  let best: ZkModeCalibration | undefined;
  for (let r = 0; r <= rounds; r++) {
    const { read, write } = await ensembleCosts(ops);
    const m: ZkModeCalibration = { zkReadServiceMs: read, zkWriteServiceMs: write, controllerCpuPerRecordMs: controllerCost(ops * 5), brokerCpuPerRecordMs: brokerCost(ops * 5) };
    if (r === 0) continue; // warm-up
    best = best === undefined ? m : {
      zkReadServiceMs: Math.min(best.zkReadServiceMs, m.zkReadServiceMs), zkWriteServiceMs: Math.min(best.zkWriteServiceMs, m.zkWriteServiceMs),
      controllerCpuPerRecordMs: Math.min(best.controllerCpuPerRecordMs, m.controllerCpuPerRecordMs), brokerCpuPerRecordMs: Math.min(best.brokerCpuPerRecordMs, m.brokerCpuPerRecordMs),
    };
  }
  return best!;
}

/** The default timing with the measured costs in place. */
export function calibratedTiming(c: ZkModeCalibration, base: ZkModeTiming = ZK_MODE_DEFAULT_TIMING): ZkModeTiming {
  return { ...base, ...c };
}

async function ensembleCosts(ops: number): Promise<{ read: number; write: number }> {
  const cluster = EnsembleCluster.started({ replicas: 3, seed: 1 });
  const client = await EnsembleClient.connect(cluster, { replica: cluster.leader()!, timeoutMs: 4000 });
  const data = new TextEncoder().encode(encodePartitionState({ topic: "t", partition: 0, replicas: [1, 2, 3], leader: 1, leaderEpoch: 7, isr: [1, 2, 3], controllerEpoch: 3 }));
  await client.create("/p");
  for (let i = 0; i < ops; i++) await client.create(`/p/${i}`, data);
  let t = performance.now();
  for (let i = 0; i < ops; i++) await client.setData(`/p/${i}`, data);
  const write = (performance.now() - t) / ops;
  t = performance.now();
  for (let i = 0; i < ops; i++) await client.getData(`/p/${i}`);
  const read = (performance.now() - t) / ops;
  client.disconnect();
  return { read, write };
}

/** A controller through a failover load of `n` partitions on scripted replies: ms per record (reply or partition sent). */
function controllerCost(n: number): number {
  const t0 = performance.now();
  let s: ZkControllerState = zkControllerCore.create({ brokerId: 1 });
  let records = 0;
  const step = (input: Parameters<typeof stepZkController>[1]): readonly ZkControllerOutput[] => {
    const r = stepZkController(s, input);
    s = r.state;
    records++;
    for (const o of r.outputs) if (o.type === "send") records += o.request.partitions.length;
    return r.outputs;
  };
  step({ type: "start" });
  step({ type: "zk-reply", xid: 1, code: "no-node" });
  step({ type: "zk-reply", xid: 2, code: "no-node" });
  step({ type: "zk-reply", xid: 3, code: "ok", results: [{ code: "ok", version: 0 }, { code: "ok", version: 0 }] });
  step({ type: "zk-reply", xid: 4, code: "ok", children: ["1", "2", "3", "4", "5"] });
  const topics = Math.ceil(n / 100);
  let pending = step({ type: "zk-reply", xid: 5, code: "ok", children: Array.from({ length: topics }, (_, t) => `t${t}`) });
  const assignment = Array.from({ length: 100 }, (_, p) => [1 + (p % 5), 1 + ((p + 1) % 5), 1 + ((p + 2) % 5)]);
  const assignmentData = encodeAssignment(assignment);
  const queue: number[] = [];
  const push = (outs: readonly ZkControllerOutput[]): void => { for (const o of outs) if (o.type === "zk-request") queue.push(o.xid); };
  push(pending);
  const stateData = (p: number): string => encodePartitionState({ topic: "t", partition: p, replicas: assignment[p % 100]!, leader: assignment[p % 100]![0]!, leaderEpoch: 3, isr: assignment[p % 100]!, controllerEpoch: 1 });
  let served = 0;
  while (queue.length > 0) {
    const xid = queue.shift()!;
    pending = served < topics ? step({ type: "zk-reply", xid, code: "ok", data: assignmentData, version: 0 }) : step({ type: "zk-reply", xid, code: "ok", data: stateData(served), version: 1 });
    served++;
    push(pending);
  }
  return (performance.now() - t0) / records;
}

/** A broker applying an UpdateMetadata then a LeaderAndIsr of `n` partitions: ms per partition. */
function brokerCost(n: number): number {
  const partitions: PartitionState[] = Array.from({ length: n }, (_, p) => ({ topic: `t${p % 1000}`, partition: p, replicas: [1, 2, 3], leader: 1, leaderEpoch: 2, isr: [1, 2, 3], controllerEpoch: 1 }));
  const t0 = performance.now();
  let b = createZkBroker({ brokerId: 1 });
  b = stepZkBroker(b, { type: "request", from: 1, request: { kind: "UpdateMetadata", controllerId: 1, controllerEpoch: 1, liveBrokers: [1, 2, 3], partitions } }).state;
  stepZkBroker(b, { type: "request", from: 1, request: { kind: "LeaderAndIsr", controllerId: 1, controllerEpoch: 1, partitions } });
  return (performance.now() - t0) / (2 * n);
}
