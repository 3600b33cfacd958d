// The replica negotiates session timeouts into [minSessionTimeoutMs, maxSessionTimeoutMs] as ZooKeeper does
// (zoo.cfg's minSessionTimeout/maxSessionTimeout), by default [2, 20] × tickTimeMs.
import { describe, expect, it } from "vitest";
import { EnsembleCluster } from "../../src/adapters/zk-ensemble/index.js";
import type { ConnectionHandler } from "../../src/adapters/zk-ensemble/index.js";
import { EnsembleConfigError, createReplica } from "../../src/core/zk-ensemble/index.js";

/** The timeout a new session asking for `requestedMs` gets from a follower of `cluster`. */
function negotiated(cluster: EnsembleCluster, requestedMs: number): number | undefined {
  const heard: Parameters<ConnectionHandler>[0][] = [];
  const follower = cluster.ids.find((id) => id !== cluster.leader())!;
  cluster.connect(follower, cluster.newConn(), (o) => heard.push(o), requestedMs);
  const state = heard.find((h) => h.type === "state");
  return state?.type === "state" && state.state === "connected" ? state.session?.timeoutMs : undefined;
}

describe("session timeout negotiation on the ensemble", () => {
  it("clamps to the configured minimum and maximum (decided by the leader for a follower's client)", () => {
    const cluster = EnsembleCluster.started({ replica: { tickTimeMs: 100, minSessionTimeoutMs: 500, maxSessionTimeoutMs: 700 } });
    expect(negotiated(cluster, 100)).toBe(500);
    expect(negotiated(cluster, 600)).toBe(600);
    expect(negotiated(cluster, 60_000)).toBe(700);
  });

  it("defaults to [2, 20] × tickTimeMs", () => {
    const cluster = EnsembleCluster.started({ replica: { tickTimeMs: 100 } });
    expect(negotiated(cluster, 1)).toBe(200);
    expect(negotiated(cluster, 60_000)).toBe(2000);
  });

  it("refuses a minimum above the maximum, naming the field", () => {
    expect(() => createReplica({ id: 1, replicas: [1], seed: 1, minSessionTimeoutMs: 800, maxSessionTimeoutMs: 700 })).toThrow(EnsembleConfigError);
    expect(() => createReplica({ id: 1, replicas: [1], seed: 1, minSessionTimeoutMs: 800, maxSessionTimeoutMs: 700 })).toThrow(/minSessionTimeoutMs/);
  });
});
