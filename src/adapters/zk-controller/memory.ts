/**
 * Memory per partition of each mode's whole simulated cluster, measured as the heap growth while one is held:
 * ZooKeeper mode = the ZooKeeper tree with its znodes + every broker's controller context and metadata cache;
 * KRaft = the metadata log and images of 3 controllers and every broker. A measurement (heap statistics), not
 * a model. A full garbage collection runs before each reading (V8's gc, exposed at run time), so the figure
 * is what stays reachable.
 * @module
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { KafkaCluster } from "../kraft/cluster.js";
import { ZkModeCluster } from "./cluster.js";
import { BROKERS } from "./compare.js";

/** Bytes per partition of each mode at `partitions` (default 5000). */
export function measureBytesPerPartition(partitions = 5000): { zk: number; kraft: number } {
  const zk = heapGrowth(() => {
    const c = new ZkModeCluster({ brokers: BROKERS, partitions });
    c.startAll();
    c.run();
    return c;
  });
  const kraft = heapGrowth(() => {
    const c = new KafkaCluster({ controllers: 3, brokers: BROKERS, seed: 1 });
    c.bootstrap();
    c.compareImages(false);
    c.createPartitions("t", partitions, 3);
    return c;
  });
  return { zk: zk / partitions, kraft: kraft / partitions };
}

function heapGrowth(build: () => unknown): number {
  const gc = fullGc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const held = build();
  gc();
  const after = process.memoryUsage().heapUsed;
  void held;
  return Math.max(0, after - before);
}

/** V8's full collection: `globalThis.gc` when node runs with --expose-gc, else exposed now through a fresh context. */
function fullGc(): () => void {
  const own = (globalThis as { gc?: () => void }).gc;
  if (own !== undefined) return own;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}
