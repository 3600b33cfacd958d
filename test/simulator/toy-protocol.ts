import type { NodeId } from "../../src/check/invariants/index.js";
import type { Effects, NodeView, Protocol } from "../../src/adapters/simulator/index.js";

/**
 * A toy protocol that exercises the simulator without Raft: each node counts its ticks, persists the count
 * and then gossips it (the send waits for the write); a node takes the highest count it hears. Node 1 is the
 * fixed "leader" that answers clients; the others refuse with a hint.
 */
export interface ToyState {
  readonly id: NodeId;
  readonly peers: readonly NodeId[];
  count: number;
  durable: number;
  kv: Map<string, string>;
}
export interface ToyMessage {
  readonly value: number;
}
export interface ToyWrite {
  readonly value: number;
}
export interface ToyDisk {
  value: number;
}

export const toyProtocol: Protocol<ToyState, ToyMessage, ToyWrite, ToyDisk> = {
  name: "toy",
  emptyDisk: () => ({ value: 0 }),
  start(id, cluster, _seed, disk) {
    return { id, peers: cluster.filter((p) => p !== id), count: disk.value, durable: disk.value, kv: new Map() };
  },
  applyWrite(disk, write) {
    disk.value = write.value;
    return { term: 0, vote: 0, commit: write.value };
  },
  tick(s, fx: Effects<ToyMessage, ToyWrite>) {
    s.count++;
    fx.persist({ value: s.count });
    for (const p of s.peers) fx.send(p, { value: s.count });
    return s;
  },
  receive(s, m) {
    if (m.value > s.count) s.count = m.value;
    return s;
  },
  persisted(s, w) {
    s.durable = Math.max(s.durable, w.value);
    return s;
  },
  request(s, r, fx) {
    if (s.id !== 1) {
      fx.reply(r.id, { ok: false, leaderHint: 1, reason: "not-leader" });
      return s;
    }
    if (r.f === "write") {
      s.kv.set(r.key, r.value);
      fx.reply(r.id, { ok: true, index: s.count + 1, term: 1 });
    } else fx.reply(r.id, { ok: true, value: s.kv.get(r.key) ?? null });
    return s;
  },
  view(s, out: NodeView) {
    out.term = 1;
    out.role = s.id === 1 ? "leader" : "follower";
    out.vote = 0;
    out.commit = s.count;
    out.applied = s.count;
    out.leader = 1;
  },
  describe: (m) => ({ kind: "count", term: m.value }),
};
