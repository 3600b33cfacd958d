/**
 * Applying committed entries to a replica: each entry's command becomes a ZooKeeper transaction at the entry's
 * index (its zxid), with the leader's time; a session's writes apply in xid order; the origin replica answers
 * its client; snapshots restore the tree and compact the log.
 * @module
 */
import * as raft from "../raft/index.js";
import type { Reply, WriteRequest } from "../zk/index.js";
import { Code, applyTransaction, notify, trackSession, untrackSession } from "../zk/index.js";
import { EnsembleCodecError, decodeFrame } from "./codec.js";
import type { ReplicaState } from "./replica.js";
import { deliver, drop, flush, isLeader, proposalKey, raftStep, stateOut } from "./replica.js";
import { abandonSnapshot, beginSnapshot, continueSnapshot, decodeSnapshot } from "./snapshot.js";
import { writableTree } from "./tree-share.js";
import type { Command } from "./types.js";


export function applyOutput(s: ReplicaState, o: Extract<raft.Output, { type: "apply" }>): void {
  if (o.snapshot !== undefined) {
    let restored: ReturnType<typeof decodeSnapshot>;
    try {
      restored = decodeSnapshot(o.snapshot.data);
    } catch (e) {
      if (!(e instanceof EnsembleCodecError)) throw e;
      s.out.push({ type: "rejected", reason: "malformed-snapshot", detail: `snapshot at index ${o.snapshot.index}: ${e.message}; the tree is kept` });
      restored = { tree: s.tree, lastXid: s.lastXid };
    }
    if (s.snapshotting !== undefined) {
      // The leader's snapshot replaces the tree the local one was reading (and is at least as new).
      abandonSnapshot(s.snapshotting);
      s.snapshotting = undefined;
    }
    s.tree = restored.tree;
    s.lastXid = restored.lastXid;
    s.applied = o.snapshot.index;
    s.lastSnapshotAt = o.snapshot.index;
    // Watches refer to a tree that was replaced: ZooKeeper closes the connections of a server that resyncs.
    for (const c of [...s.conns.values()]) drop(s, c, "disconnected", `replica ${s.id} installed a snapshot`);
    s.out.push({ type: "applied", index: o.snapshot.index, term: o.snapshot.term, command: undefined, reply: undefined });
    s.inspect?.(s.tree, o.snapshot.index, undefined, undefined);
  }
  for (const e of o.entries) applyEntry(s, e);
  if (o.entries.length > 0) {
    // Reads held for a read index may be servable now.
    if (s.readsHeld > 0) for (const c of [...s.conns.values()]) if (c.queue[0]?.kind === "indexed") flush(s, c);
    raftStep(s, { type: "applied", index: s.applied });
  }
  const every = s.settings.snapshotEvery;
  if (every > 0 && s.applied - s.lastSnapshotAt >= snapshotThreshold(every, s.settings.seed, s.id, s.lastSnapshotAt) && s.snapshotting === undefined) {
    s.lastSnapshotAt = s.applied;
    s.snapshotting = beginSnapshot(s, s.applied);
    continueSnapshotting(s);
  }
}

/**
 * How many entries after the last snapshot (at `lastSnapshotAt`) the next one starts: as ZooKeeper's
 * `SyncRequestProcessor`, snapCount/2 plus a random share of the other half — between ⌊every/2⌋ + 1 and `every` —
 * so that the members of an ensemble, applying the same entries, do not all snapshot at once. Random but
 * deterministic: a hash of the seed, the replica and the last snapshot's index.
 */
export function snapshotThreshold(every: number, seed: number, replica: number, lastSnapshotAt: number): number {
  const half = Math.floor(every / 2);
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15) ^ Math.floor(seed / 2 ** 32), 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13) ^ replica, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 16) ^ (lastSnapshotAt >>> 0), 0x165667b1);
  h = Math.imul(h ^ (h >>> 15) ^ Math.floor(lastSnapshotAt / 2 ** 32), 0x85ebca6b);
  return half + 1 + ((h ^ (h >>> 16)) >>> 0) % (every - half);
}

/**
 * Encodes the next slice of the snapshot in progress (at its start, then on each tick or timer), and hands the
 * snapshot to Raft with its last slice: Raft then compacts the log up to it. A small tree is done in the step
 * that starts it.
 */
export function continueSnapshotting(s: ReplicaState): void {
  const e = s.snapshotting;
  if (e === undefined) return;
  const data = continueSnapshot(e, s.settings.snapshotSliceBytes);
  if (data === undefined) return;
  s.snapshotting = undefined;
  raftStep(s, { type: "snapshot", index: e.index, data });
}

/**
 * The commands this process proposed, by their entry bytes: the proposer applies its own entry without decoding
 * the bytes it has just encoded (`encodeFrame` keeps every field `decodeCommand` reads, so both give the same
 * command). A weak cache, as tree-share.ts's: an entry's bytes are never mutated, and a forgotten entry (compacted
 * away) takes its command with it. Other replicas, and a restarted proposer, decode.
 */
const proposedCommands = new WeakMap<Uint8Array, Command>();

/** Remembers the command `data` encodes (the proposer's own, see {@link commandOf}). */
export function rememberCommand(data: Uint8Array, command: Command): void {
  proposedCommands.set(data, command);
}

/**
 * The command of an entry: the proposer's own if remembered, else decoded (throws like {@link decodeCommand}).
 * An entry is applied once per process, so the remembered command is dropped here: otherwise every command would
 * stay reachable as long as its entry stays in the in-memory Raft log (up to `snapshotEvery` entries), and the
 * garbage collector would copy and trace them all (≈ 1.3 KiB of heap per write).
 */
export function commandOf(data: Uint8Array): Command {
  const mine = proposedCommands.get(data);
  if (mine === undefined) return decodeCommand(data);
  proposedCommands.delete(data);
  return mine;
}

/** Decodes an entry's command; throws EnsembleCodecError for bytes no leader could have proposed. */
export function decodeCommand(data: Uint8Array): Command {
  const c = decodeFrame(data) as Partial<Command> | null;
  if (c === null || typeof c !== "object" || typeof c.time !== "number" || typeof c.sessionId !== "number" || typeof c.xid !== "number" || typeof c.request !== "object" || c.request === null || !Array.isArray(c.auth)) {
    throw new EnsembleCodecError("a log entry lacks the command fields time, sessionId, xid, auth and request");
  }
  return c as Command;
}

function applyEntry(s: ReplicaState, e: raft.Entry): void {
  s.applied = e.index;
  if (e.kind !== "normal" || e.data.length === 0) {
    s.out.push({ type: "applied", index: e.index, term: e.term, command: undefined, reply: undefined });
    s.inspect?.(s.tree, e.index, undefined, undefined);
    return;
  }
  let cmd: Command;
  try {
    cmd = commandOf(e.data);
  } catch (err) {
    if (!(err instanceof EnsembleCodecError)) throw err;
    // Every replica decodes the same bytes the same way: all skip this entry alike.
    s.out.push({ type: "rejected", reason: "malformed-entry", detail: `log entry ${e.index}: ${err.message}; skipped` });
    s.out.push({ type: "applied", index: e.index, term: e.term, command: undefined, reply: undefined });
    s.inspect?.(s.tree, e.index, undefined, undefined);
    return;
  }
  const req = cmd.request;
  if (s.proposed.size > 0) {
    // Applied: a duplicate arriving from now on is skipped by the xid check, so the leader can forget it.
    const key = proposalKey(req.type === "createSession" ? { ...cmd, sessionId: 0 } : cmd);
    if (key !== undefined) s.proposed.delete(key);
  }
  const sessionId = cmd.sessionId;
  const lastXid = s.lastXid.get(sessionId) ?? 0;
  // A session's writes apply in xid order: an overtaken or duplicated one is skipped on every replica alike.
  const skip = (cmd.xid > 0 && cmd.xid <= lastXid) || (req.type === "createSession" && s.tree.sessions.has(req.sessionId)) || (cmd.expiry === true && !s.tree.sessions.has(sessionId));
  let reply: Reply | undefined;
  if (!skip) {
    if (cmd.xid > 0 && s.tree.sessions.has(sessionId)) s.lastXid.set(sessionId, cmd.xid);
    // One literal (no conditional spread): the same hidden class for every transaction.
    const result = applyTransaction(writableTree(s), {
      zxid: e.index,
      time: cmd.time,
      sessionId,
      auth: cmd.auth,
      request: req,
      extendedTypesEnabled: s.settings.extendedTypesEnabled,
    });
    reply = result.reply;
    deliver(s, notify(s.watches, result.changes));
    if (req.type === "createSession") sessionCreated(s, cmd);
    else if (req.type === "closeSession") s.lastXid.delete(sessionId);
    else if (req.type === "deleteContainer") s.reaping.delete(req.path);
  }
  s.out.push({ type: "applied", index: e.index, term: e.term, command: cmd, reply });
  s.inspect?.(s.tree, e.index, cmd, reply);
  const connId = s.bySession.get(sessionId);
  const c = connId === undefined ? undefined : s.conns.get(connId);
  if (c !== undefined && cmd.xid > 0 && cmd.origin === s.id) {
    for (const p of c.queue) {
      if (p.kind !== "write" || p.reply !== undefined) continue;
      if (p.xid === cmd.xid) p.reply = reply ?? { err: Code.CONNECTIONLOSS, zxid: -1 };
      // An earlier write of the session that is not in the log by now can never apply: it failed.
      else if (p.xid < cmd.xid && reply !== undefined) p.reply = { err: Code.CONNECTIONLOSS, zxid: -1 };
    }
    flush(s, c);
  }
  if (req.type === "closeSession" && !skip) {
    if (isLeader(s)) untrackSession(s.tracker, sessionId);
    if (c !== undefined) drop(s, c, cmd.expiry === true ? "expired" : "closed", cmd.expiry === true ? `session ${sessionId} expired` : `session ${sessionId} closed`);
  }
}

function sessionCreated(s: ReplicaState, cmd: Command): void {
  const req = cmd.request as Extract<WriteRequest, { type: "createSession" }>;
  if (isLeader(s)) trackSession(s.tracker, req.sessionId, req.timeoutMs, s.now);
  if (cmd.origin !== s.id || cmd.nonce === undefined) return;
  const connId = s.byNonce.get(cmd.nonce);
  const c = connId === undefined ? undefined : s.conns.get(connId);
  if (c === undefined || c.sessionId !== 0) return;
  s.byNonce.delete(cmd.nonce);
  c.sessionId = req.sessionId;
  c.password = req.password;
  c.timeoutMs = req.timeoutMs;
  s.bySession.set(req.sessionId, c.id);
  stateOut(s, c.id, "connected", c);
}

