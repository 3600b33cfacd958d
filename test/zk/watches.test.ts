// Watch semantics of one ZooKeeper 3.8 server: one-shot vs persistent vs recursive, per-session de-duplication,
// removal, the 3.8.0 checkWatches quirk, setWatches catch-up.
import { describe, expect, it } from "vitest";
import type { NodeChange } from "../../src/core/zk/index.js";
import {
  Code,
  OPEN_ACL_UNSAFE,
  addOneShotWatch,
  addPersistentWatch,
  applyTransaction,
  checkWatches,
  createTree,
  createWatchRegistry,
  notify,
  removeSessionWatches,
  removeWatches,
  setWatches,
  utf8,
} from "../../src/core/zk/index.js";

const created = (path: string): NodeChange => ({ change: "created", path });
const deleted = (path: string): NodeChange => ({ change: "deleted", path });
const changed = (path: string): NodeChange => ({ change: "dataChanged", path });
const ev = (session: number, type: string, path: string) => ({ session, event: { type, state: "SyncConnected", path } });

describe("watch notifications", () => {
  it("one-shot data and child watches fire once; exist watches fire on creation", () => {
    const w = createWatchRegistry();
    addOneShotWatch(w, "data", "/a", 1);
    addOneShotWatch(w, "child", "/a", 1);
    expect(notify(w, [changed("/a")])).toEqual([ev(1, "NodeDataChanged", "/a")]);
    expect(notify(w, [changed("/a")])).toEqual([]);
    expect(notify(w, [created("/a/x")])).toEqual([ev(1, "NodeChildrenChanged", "/a")]);
    expect(notify(w, [created("/a/y")])).toEqual([]);
    addOneShotWatch(w, "data", "/b", 2);
    expect(notify(w, [created("/b")])).toEqual([ev(2, "NodeCreated", "/b")]);
    addOneShotWatch(w, "child", "/", 3);
    expect(notify(w, [created("/top")])).toEqual([ev(3, "NodeChildrenChanged", "/")]);
  });
  it("a deletion notifies each session once: data watchers, then child watchers not yet notified, then the parent", () => {
    const w = createWatchRegistry();
    addOneShotWatch(w, "data", "/p/n", 1);
    addOneShotWatch(w, "child", "/p/n", 1);
    addOneShotWatch(w, "child", "/p/n", 2);
    addOneShotWatch(w, "child", "/p", 3);
    expect(notify(w, [deleted("/p/n")])).toEqual([ev(1, "NodeDeleted", "/p/n"), ev(2, "NodeDeleted", "/p/n"), ev(3, "NodeChildrenChanged", "/p")]);
    expect(w.data.byPath.size + w.child.byPath.size).toBe(0);
  });
  it("persistent watches stay; recursive ones cover descendants but never NodeChildrenChanged", () => {
    const w = createWatchRegistry();
    addPersistentWatch(w, "/p", 1, false);
    addPersistentWatch(w, "/p", 2, true);
    expect(notify(w, [created("/p"), created("/p/c"), created("/p/c/g"), changed("/p/c"), deleted("/p/c/g")])).toEqual([
      ev(1, "NodeCreated", "/p"),
      ev(2, "NodeCreated", "/p"),
      ev(2, "NodeCreated", "/p/c"),
      ev(1, "NodeChildrenChanged", "/p"),
      ev(2, "NodeCreated", "/p/c/g"),
      ev(2, "NodeDataChanged", "/p/c"),
      ev(2, "NodeDeleted", "/p/c/g"),
    ]);
    expect(notify(w, [deleted("/p")])).toEqual([ev(1, "NodeDeleted", "/p"), ev(2, "NodeDeleted", "/p")]);
    expect(notify(w, [created("/px")])).toEqual([]);
    expect(w.data.recursive).toBe(1);
  });
  it("a one-shot registration on a persistent watch's path turns it into a one-shot (one mode per session and path)", () => {
    const w = createWatchRegistry();
    addPersistentWatch(w, "/n", 1, true);
    addOneShotWatch(w, "data", "/n", 1);
    expect(w.data.recursive).toBe(0);
    expect(notify(w, [changed("/n")])).toEqual([ev(1, "NodeDataChanged", "/n")]);
    expect(notify(w, [changed("/n")])).toEqual([]);
  });
  it("checkWatches answers for any session's watch on exactly that path (ZooKeeper 3.8.0), removeWatches only for one's own", () => {
    const w = createWatchRegistry();
    addOneShotWatch(w, "data", "/n", 1);
    addPersistentWatch(w, "/r", 1, true);
    expect(checkWatches(w, "/n", "DATA", 2)).toBe(Code.OK);
    expect(checkWatches(w, "/n", "CHILDREN", 1)).toBe(Code.NOWATCHER);
    expect(checkWatches(w, "/n", "ANY", 1)).toBe(Code.OK);
    expect(checkWatches(w, "/r/a", "ANY", 1)).toBe(Code.NOWATCHER);
    expect(checkWatches(w, "/r", "CHILDREN", 1)).toBe(Code.OK);
    expect(removeWatches(w, "/n", "DATA", 2)).toBe(Code.NOWATCHER);
    expect(removeWatches(w, "/n", "CHILDREN", 1)).toBe(Code.NOWATCHER);
    expect(removeWatches(w, "/n", "ANY", 1)).toBe(Code.OK);
    expect(removeWatches(w, "/r", "DATA", 1)).toBe(Code.OK);
    expect(w.data.recursive).toBe(0);
    expect(removeWatches(w, "/r", "ANY", 1)).toBe(Code.OK);
    expect(removeWatches(w, "/r", "ANY", 1)).toBe(Code.NOWATCHER);
  });
  it("a closed connection loses all its watches", () => {
    const w = createWatchRegistry();
    addOneShotWatch(w, "data", "/n", 1);
    addPersistentWatch(w, "/", 1, true);
    addOneShotWatch(w, "data", "/n", 2);
    removeSessionWatches(w, 1);
    expect(notify(w, [changed("/n")])).toEqual([ev(2, "NodeDataChanged", "/n")]);
    expect(w.data.recursive).toBe(0);
  });
  it("setWatches sends catch-up events per entry and re-arms the rest", () => {
    const tree = createTree();
    const apply = (request: Parameters<typeof applyTransaction>[1]["request"]) =>
      applyTransaction(tree, { zxid: tree.lastZxid + 1, time: 1, sessionId: 1, auth: [], request });
    apply({ type: "createSession", sessionId: 1, password: "", timeoutMs: 4000 });
    const mk = (path: string) => apply({ type: "create", opcode: 1, path, data: utf8(""), acl: OPEN_ACL_UNSAFE, flags: 0, ttl: -1 });
    mk("/d");
    mk("/c");
    const seen = tree.lastZxid;
    apply({ type: "setData", path: "/d", data: null, version: -1 });
    mk("/c/x");
    mk("/new");
    const w = createWatchRegistry();
    const out = setWatches(w, tree, 1, seen, { data: ["/d", "/gone", "/c"], exist: ["/new", "/absent"], child: ["/c", "/gone", "/d"], persistent: ["/p"], persistentRecursive: ["/r"] });
    expect(out.map((n) => `${n.event.type} ${n.event.path}`)).toEqual(["NodeDataChanged /d", "NodeDeleted /gone", "NodeCreated /new", "NodeChildrenChanged /c", "NodeDeleted /gone"]);
    expect([...w.data.byPath.keys()].sort()).toEqual(["/absent", "/c", "/p", "/r"]);
    expect([...w.child.byPath.keys()].sort()).toEqual(["/d", "/p", "/r"]);
    expect(setWatches(createWatchRegistry(), tree, 1, seen, {})).toEqual([]);
  });
});
