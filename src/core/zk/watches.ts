/**
 * Watches as one ZooKeeper 3.8 server keeps them (`WatchManager` ×2: data and child tables). Watches belong to
 * the server a session is connected to, are lost when its connection closes, and are never replicated; the tree
 * reports {@link NodeChange}s and this module turns them into notifications, exactly as ZooKeeper does:
 *
 * - a session gets one notification per trigger even when several of its watches match (data + exist + child,
 *   one-shot + persistent + recursive);
 * - a node's deletion notifies data watchers, then child watchers of that node not already notified, then the
 *   parent's child watchers with NodeChildrenChanged;
 * - PERSISTENT watches fire for the node and its direct children's changes; PERSISTENT_RECURSIVE watches fire for
 *   the node and every descendant but never with NodeChildrenChanged;
 * - registering a one-shot watch where the session holds a persistent one on the same path turns it back into a
 *   one-shot (ZooKeeper keeps one mode per session and path).
 */
import { Code } from "./codes.js";
import { parentOf, parentWatchPath, pathAndParents } from "./path.js";
import type { ZkTree } from "./tree.js";
import { getNode } from "./tree.js";
import type { EventType, NodeChange, WatchEvent } from "./types.js";

/** How a watch fires: once, every time, or every time for the whole subtree. */
export type WatchMode = "standard" | "persistent" | "persistentRecursive";

/** One table: path → session → mode. */
export interface WatchTable {
  readonly byPath: Map<string, Map<number, WatchMode>>;
  /** Number of recursive entries (lets triggers skip the walk up the parents when there are none). */
  recursive: number;
}

/** A server's watches: ZooKeeper's `dataWatches` and `childWatches`. */
export interface WatchRegistry {
  readonly data: WatchTable;
  readonly child: WatchTable;
}

/** A notification for one session. */
export interface Notification {
  readonly session: number;
  readonly event: WatchEvent;
}

/** `checkWatches`/`removeWatches` watch kinds (ZooKeeper's `WatcherType`). */
export type WatcherType = "CHILDREN" | "DATA" | "ANY";

/** An empty registry. */
export function createWatchRegistry(): WatchRegistry {
  return { data: { byPath: new Map(), recursive: 0 }, child: { byPath: new Map(), recursive: 0 } };
}

function setMode(table: WatchTable, path: string, session: number, mode: WatchMode): void {
  let sessions = table.byPath.get(path);
  if (sessions === undefined) table.byPath.set(path, (sessions = new Map()));
  const old = sessions.get(session);
  if (old === "persistentRecursive") table.recursive--;
  if (mode === "persistentRecursive") table.recursive++;
  sessions.set(session, mode);
}

function removeEntry(table: WatchTable, path: string, session: number): boolean {
  const sessions = table.byPath.get(path);
  const mode = sessions?.get(session);
  if (sessions === undefined || mode === undefined) return false;
  sessions.delete(session);
  if (mode === "persistentRecursive") table.recursive--;
  if (sessions.size === 0) table.byPath.delete(path);
  return true;
}

/** Registers a one-shot watch (getData/exists → data table, getChildren → child table). */
export function addOneShotWatch(registry: WatchRegistry, table: "data" | "child", path: string, session: number): void {
  setMode(registry[table], path, session, "standard");
}

/** `addWatch`: a persistent or persistent-recursive watch, entered in both tables as ZooKeeper 3.8.0 does. */
export function addPersistentWatch(registry: WatchRegistry, path: string, session: number, recursive: boolean): void {
  const mode: WatchMode = recursive ? "persistentRecursive" : "persistent";
  setMode(registry.data, path, session, mode);
  setMode(registry.child, path, session, mode);
}

/** Fires one table for `path`: returns the sessions to notify and consumes the one-shot watches that fired. */
function trigger(table: WatchTable, path: string, type: EventType): Set<number> {
  const out = new Set<number>();
  const paths = table.recursive === 0 ? [path] : pathAndParents(path);
  for (const local of paths) {
    const sessions = table.byPath.get(local);
    if (sessions === undefined) continue;
    for (const [session, mode] of sessions) {
      if (mode === "persistentRecursive") {
        if (type !== "NodeChildrenChanged") out.add(session);
      } else if (local === path) {
        out.add(session);
        if (mode === "standard") sessions.delete(session);
      }
    }
    if (sessions.size === 0) table.byPath.delete(local);
  }
  return out;
}

function emit(out: Notification[], sessions: Iterable<number>, type: EventType, path: string, skip?: Set<number>): void {
  for (const session of sessions) {
    if (skip?.has(session) !== true) out.push({ session, event: { type, state: "SyncConnected", path } });
  }
}

/** The notifications caused by a transaction's changes, in ZooKeeper's order. */
export function notify(registry: WatchRegistry, changes: readonly NodeChange[]): Notification[] {
  const out: Notification[] = [];
  for (const { change, path } of changes) {
    if (change === "dataChanged") {
      emit(out, trigger(registry.data, path, "NodeDataChanged"), "NodeDataChanged", path);
    } else if (change === "created") {
      emit(out, trigger(registry.data, path, "NodeCreated"), "NodeCreated", path);
      const parent = parentWatchPath(parentOf(path) ?? "");
      emit(out, trigger(registry.child, parent, "NodeChildrenChanged"), "NodeChildrenChanged", parent);
    } else {
      const notified = trigger(registry.data, path, "NodeDeleted");
      emit(out, notified, "NodeDeleted", path);
      emit(out, trigger(registry.child, path, "NodeDeleted"), "NodeDeleted", path, notified);
      const parent = parentWatchPath(parentOf(path) ?? "");
      emit(out, trigger(registry.child, parent, "NodeChildrenChanged"), "NodeChildrenChanged", parent);
    }
  }
  return out;
}

/**
 * `checkWatches`: OK or NOWATCHER. Matches ZooKeeper 3.8.0, whose check answers for any watch on exactly that
 * path in the table (of any session), and never for a recursive watch on an ancestor.
 */
export function checkWatches(registry: WatchRegistry, path: string, type: WatcherType, _session: number): number {
  const has = (table: WatchTable) => table.byPath.has(path);
  const found = type === "CHILDREN" ? has(registry.child) : type === "DATA" ? has(registry.data) : has(registry.child) || has(registry.data);
  return found ? Code.OK : Code.NOWATCHER;
}

/** `removeWatches`: removes this session's watches of that kind on exactly that path; NOWATCHER when none. */
export function removeWatches(registry: WatchRegistry, path: string, type: WatcherType, session: number): number {
  let removed = false;
  if (type !== "DATA") removed = removeEntry(registry.child, path, session) || removed;
  if (type !== "CHILDREN") removed = removeEntry(registry.data, path, session) || removed;
  return removed ? Code.OK : Code.NOWATCHER;
}

/** Drops every watch of a session (its connection closed). */
export function removeSessionWatches(registry: WatchRegistry, session: number): void {
  for (const table of [registry.data, registry.child]) {
    for (const path of [...table.byPath.keys()]) removeEntry(table, path, session);
  }
}

/** The watch lists a reconnecting client re-sends (`setWatches` / `setWatches2`). */
export interface WatchLists {
  readonly data?: readonly string[];
  readonly exist?: readonly string[];
  readonly child?: readonly string[];
  readonly persistent?: readonly string[];
  readonly persistentRecursive?: readonly string[];
}

/**
 * `setWatches`: re-arms watches after a reconnect, and for each list entry whose node changed after
 * `relativeZxid` sends the catch-up event instead (no de-duplication, as ZooKeeper): data → NodeDeleted or
 * NodeDataChanged (mzxid), exist → NodeCreated, child → NodeDeleted or NodeChildrenChanged (pzxid).
 */
export function setWatches(registry: WatchRegistry, tree: ZkTree, session: number, relativeZxid: number, lists: WatchLists): Notification[] {
  const out: Notification[] = [];
  const send = (type: EventType, path: string) => out.push({ session, event: { type, state: "SyncConnected", path } });
  for (const path of lists.data ?? []) {
    const node = getNode(tree, path);
    if (node === undefined) send("NodeDeleted", path);
    else if (node.mzxid > relativeZxid) send("NodeDataChanged", path);
    else addOneShotWatch(registry, "data", path, session);
  }
  for (const path of lists.exist ?? []) {
    if (getNode(tree, path) !== undefined) send("NodeCreated", path);
    else addOneShotWatch(registry, "data", path, session);
  }
  for (const path of lists.child ?? []) {
    const node = getNode(tree, path);
    if (node === undefined) send("NodeDeleted", path);
    else if (node.pzxid > relativeZxid) send("NodeChildrenChanged", path);
    else addOneShotWatch(registry, "child", path, session);
  }
  for (const path of lists.persistent ?? []) addPersistentWatch(registry, path, session, false);
  for (const path of lists.persistentRecursive ?? []) addPersistentWatch(registry, path, session, true);
  return out;
}
