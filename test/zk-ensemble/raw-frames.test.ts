// Requests a wire client can send that are not ordinary requests, served by the replica as ZooKeeper 3.8 and the
// single node serve them (issue 15 item 5): an unknown opcode (UNIMPLEMENTED, zxid −1, then the connection closes
// and the session lives on), a reconfig (RECONFIGDISABLED, an error transaction that uses a zxid), a write whose
// body did not parse (MARSHALLINGERROR, a zxid used), a read whose body did not parse (MARSHALLINGERROR, no zxid),
// and a TTL create on members without extendedTypesEnabled (UNIMPLEMENTED, a zxid used).
import { describe, expect, it } from "vitest";
import { EnsembleCluster } from "../../src/adapters/zk-ensemble/index.js";
import type { ClientRequest, Reply } from "../../src/core/zk/index.js";
import { Code, OPEN_ACL_UNSAFE, requestFrameLength, serveLocal, createTree, createWatchRegistry } from "../../src/core/zk/index.js";
import { EnsembleConfigError, createReplica } from "../../src/core/zk-ensemble/index.js";
import type { ReplicaOutput } from "../../src/core/zk-ensemble/index.js";

type ClientOutput = Extract<ReplicaOutput, { type: "reply" | "watch" | "state" }>;

/** A connected session on `replica`, and what its connection heard. */
function session(cluster: EnsembleCluster, replica: number) {
  const heard: ClientOutput[] = [];
  const conn = cluster.newConn();
  cluster.connect(replica, conn, (o) => heard.push(o), 4000);
  const state = heard.find((o) => o.type === "state");
  expect(state).toMatchObject({ state: "connected" });
  let xid = 0;
  return {
    heard,
    id: (state as Extract<ClientOutput, { type: "state" }>).session!.id,
    /** Sends a request and returns its reply (every message is delivered before `request` returns). */
    ask(request: ClientRequest): Reply {
      const at = heard.length;
      cluster.request(replica, conn, ++xid, request);
      const reply = heard.slice(at).find((o) => o.type === "reply");
      expect(reply, `a reply to ${request.type}`).toBeDefined();
      return (reply as Extract<ClientOutput, { type: "reply" }>).reply;
    },
  };
}

const lastZxids = (cluster: EnsembleCluster) => cluster.ids.map((id) => cluster.replica(id)!.tree.lastZxid);
const follower = (cluster: EnsembleCluster) => cluster.ids.find((id) => id !== cluster.leader())!;

describe("the replica serves frames that are not ordinary requests as ZooKeeper 3.8 does", () => {
  it("an unknown opcode: UNIMPLEMENTED with zxid −1, no zxid used, the connection closes and the session lives on", () => {
    const cluster = EnsembleCluster.started({ seed: 11 });
    const s = session(cluster, follower(cluster));
    const before = lastZxids(cluster);
    expect(s.ask({ type: "raw", opcode: 77, body: new Uint8Array(0) })).toEqual({ err: Code.UNIMPLEMENTED, zxid: -1 });
    expect(s.heard.at(-1)).toMatchObject({ type: "state", state: "disconnected" });
    expect(lastZxids(cluster)).toEqual(before);
    const leader = cluster.replica(cluster.leader()!)!;
    expect(leader.tree.sessions.has(s.id)).toBe(true);
  });

  it("reconfig: RECONFIGDISABLED, an error transaction with the next zxid on every member; the connection stays", () => {
    const cluster = EnsembleCluster.started({ seed: 12 });
    const s = session(cluster, follower(cluster));
    const [before] = lastZxids(cluster);
    expect(s.ask({ type: "reconfig" })).toEqual({ err: Code.RECONFIGDISABLED, zxid: before! + 1 });
    expect(lastZxids(cluster)).toEqual(cluster.ids.map(() => before! + 1));
    expect(s.ask({ type: "exists", path: "/", watch: false }).err).toBe(Code.OK);
  });

  it("a write whose body did not parse: MARSHALLINGERROR with a zxid; a read's: MARSHALLINGERROR with the last zxid, none used", () => {
    const cluster = EnsembleCluster.started({ seed: 13 });
    const s = session(cluster, cluster.leader()!);
    const [before] = lastZxids(cluster);
    expect(s.ask({ type: "malformed", code: Code.MARSHALLINGERROR })).toEqual({ err: Code.MARSHALLINGERROR, zxid: before! + 1 });
    expect(s.ask({ type: "unreadable", code: Code.MARSHALLINGERROR })).toEqual({ err: Code.MARSHALLINGERROR, zxid: before! + 1 });
    expect(lastZxids(cluster)).toEqual(cluster.ids.map(() => before! + 1));
  });

  it("extendedTypesEnabled false: a TTL create is UNIMPLEMENTED and still uses a zxid; true (the default) creates it", () => {
    const ttlCreate: ClientRequest = { type: "create", opcode: 21, path: "/t", data: new Uint8Array(0), acl: OPEN_ACL_UNSAFE, flags: 5, ttl: 1000 };
    const off = EnsembleCluster.started({ seed: 14, replica: { extendedTypesEnabled: false } });
    const a = session(off, follower(off));
    const [before] = lastZxids(off);
    expect(a.ask(ttlCreate)).toEqual({ err: Code.UNIMPLEMENTED, zxid: before! + 1 });
    expect(off.replica(off.leader()!)!.tree.nodes.has("/t")).toBe(false);
    const on = EnsembleCluster.started({ seed: 14 });
    expect(session(on, follower(on)).ask(ttlCreate).err).toBe(Code.OK);
  });

  it("refuses an extendedTypesEnabled that is not a boolean", () => {
    expect(() => createReplica({ id: 1, replicas: [1], seed: 1, extendedTypesEnabled: "yes" as unknown as boolean })).toThrow(EnsembleConfigError);
  });
});

describe("the shared serving layer", () => {
  it("answers an unknown opcode with UNIMPLEMENTED and a close, an unreadable read with its code and the last zxid", () => {
    const tree = createTree();
    const watches = createWatchRegistry();
    const who = { sessionId: 1, auth: [], clientAddress: "127.0.0.1" };
    expect(serveLocal(tree, watches, who, { type: "raw", opcode: 77, body: new Uint8Array(3) })).toEqual({ reply: { err: Code.UNIMPLEMENTED, zxid: -1 }, notifications: [], closeConnection: true });
    expect(serveLocal(tree, watches, who, { type: "unreadable", code: Code.MARSHALLINGERROR })).toEqual({ reply: { err: Code.MARSHALLINGERROR, zxid: tree.lastZxid }, notifications: [], closeConnection: false });
  });

  it("sizes a reconfig as the Java client's frame (header, three null strings, a long) and interpreted frames as their header", () => {
    expect(requestFrameLength({ type: "reconfig" })).toBe(8 + 12 + 8);
    expect(requestFrameLength({ type: "malformed", code: Code.MARSHALLINGERROR })).toBe(8);
    expect(requestFrameLength({ type: "unreadable", code: Code.MARSHALLINGERROR })).toBe(8);
  });
});
