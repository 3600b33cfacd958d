/**
 * One replica of the replicated ZooKeeper service: a Raft node, the data tree it applies committed commands to,
 * the watches and connections of the clients attached to it and — while it leads — the session tracker.
 *
 * Pure and deterministic: `step(state, input) → { state, outputs }`, time as ticks, no I/O. The state is
 * updated in place and returned (keep only the returned one). The rules, as ZooKeeper's:
 * - writes (and session creation and close) are forwarded to the leader, proposed with the leader's clock,
 *   and applied by every replica at their Raft index, which is their zxid;
 * - a session's requests are answered in order: a read waits behind the session's earlier writes;
 * - reads are served from this replica's tree (sequentially consistent); `sync` and linearizable reads wait
 *   until this replica has applied the leader's ReadIndex;
 * - the leader decides session expiry and commits it as a closeSession that deletes the session's ephemerals;
 * - a replica that loses its leader drops its client connections; clients re-attach elsewhere.
 * @module
 */
import * as raft from "../raft/index.js";
import type { ClientRequest, LocalRequest, Reply, WriteRequest } from "../zk/index.js";
import {
  Code,
  MAX_FRAME_BYTES,
  createSessionTracker,
  createWatchRegistry,
  expireSessions,
  isWriteRequest,
  negotiateTimeout,
  reapCandidates,
  removeSessionWatches,
  requestFrameLength,
  serveLocal,
  sha1,
  touchSession,
  trackSession,
  utf8,
} from "../zk/index.js";
import { encodeFrame } from "./codec.js";
import { applyOutput, continueSnapshotting, rememberCommand } from "./apply.js";
import { decodeSnapshot } from "./snapshot.js";
import type { ApplyInspector, Command, ConnId, ConnectionState, EnsembleMessage, ForwardedCommand, ReplicaConfig, ReplicaInput, ReplicaOutput } from "./types.js";
import { EnsembleConfigError } from "./types.js";

export type { Connection, HeldProposal, Pending, ReplicaState, ReplicaStepResult, Settings } from "./state.js";
import type { Connection, HeldProposal, Pending, ReplicaState, ReplicaStepResult, Settings } from "./state.js";

const CLIENT_ADDRESS = "127.0.0.1";

function positiveInt(field: string, value: number | undefined, fallback: number, min = 1): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min) throw new EnsembleConfigError(field, `must be an integer ≥ ${min}, got ${String(value)}`);
  return v;
}

/**
 * Creates a replica: fresh, or restarted from what its storage made durable (`persisted`, as the Raft core
 * takes it). A restarted replica rebuilds its tree from the snapshot and re-applies the committed log.
 * @throws EnsembleConfigError for an out-of-range option; RaftError for a bad Raft configuration.
 */
export function createReplica(config: ReplicaConfig, persisted?: raft.PersistedState): ReplicaState {
  const tickMs = positiveInt("tickMs", config.tickMs, 10);
  const electionTick = positiveInt("electionTick", config.electionTick, 10);
  const tickTimeMs = positiveInt("tickTimeMs", config.tickTimeMs, 20);
  const minSessionTimeoutMs = positiveInt("minSessionTimeoutMs", config.minSessionTimeoutMs, 2 * tickTimeMs);
  const maxSessionTimeoutMs = positiveInt("maxSessionTimeoutMs", config.maxSessionTimeoutMs, 20 * tickTimeMs);
  if (minSessionTimeoutMs > maxSessionTimeoutMs) throw new EnsembleConfigError("minSessionTimeoutMs", `must not exceed maxSessionTimeoutMs ${maxSessionTimeoutMs}, got ${minSessionTimeoutMs}`);
  const settings: Settings = {
    tickMs,
    tickTimeMs,
    minSessionTimeoutMs,
    maxSessionTimeoutMs,
    requestTimeoutTicks: positiveInt("requestTimeoutTicks", config.requestTimeoutTicks, 4 * electionTick),
    reaperIntervalMs: positiveInt("reaperIntervalMs", config.reaperIntervalMs, 1000, 0),
    secret: positiveInt("secret", config.secret, 0, 0),
    snapshotEvery: positiveInt("snapshotEvery", config.snapshotEvery, 0, 0),
    snapshotSliceBytes: positiveInt("snapshotSliceBytes", config.snapshotSliceBytes, 1 << 20),
    seed: config.seed,
    extendedTypesEnabled: config.extendedTypesEnabled ?? true,
    batchProposals: config.batchProposals === true,
  };
  if (typeof settings.extendedTypesEnabled !== "boolean") throw new EnsembleConfigError("extendedTypesEnabled", `must be a boolean, got ${String(config.extendedTypesEnabled)}`);
  const startTimeMs = positiveInt("startTimeMs", config.startTimeMs, 1_700_000_000_000);
  if (!config.replicas.includes(config.id)) throw new EnsembleConfigError("replicas", `must include this replica's id ${config.id}`);
  const node = raft.createRaft(
    {
      id: config.id,
      voters: config.replicas,
      electionTick,
      heartbeatTick: positiveInt("heartbeatTick", config.heartbeatTick, 2),
      preVote: true,
      checkQuorum: true,
      readOnly: "safe",
      maxSizePerMsg: positiveInt("maxSizePerMsg", config.maxSizePerMsg, 1 << 20),
      seed: config.seed,
      applied: persisted?.snapshot?.index ?? 0,
    },
    persisted,
  );
  const restored = decodeSnapshot(persisted?.snapshot?.data ?? new Uint8Array(0));
  return {
    id: config.id,
    raft: node,
    tree: restored.tree,
    watches: createWatchRegistry(),
    lastXid: restored.lastXid,
    tracker: createSessionTracker(settings.tickTimeMs),
    settings,
    ticks: 0,
    now: startTimeMs,
    applied: persisted?.snapshot?.index ?? 0,
    lastSnapshotAt: persisted?.snapshot?.index ?? 0,
    snapshotting: undefined,
    conns: new Map(),
    bySession: new Map(),
    byNonce: new Map(),
    touched: new Set(),
    readWaiters: new Map(),
    readSeq: 0,
    readsHeld: 0,
    sessionCounter: 0,
    proposed: new Set(),
    batch: [],
    reaping: new Set(),
    nextReapAt: startTimeMs,
    knownLeader: 0,
    knownTerm: 0,
    leading: false,
    out: [],
    inspect: undefined,
  };
}

/**
 * The single entry point: one input in, the outputs to perform in order out. The state is CONSUMED (updated in
 * place and returned). `inspect`, if given, sees the tree after each entry this step applies. Bad input never
 * throws: it yields one `rejected` output and leaves the state as it was.
 */
export function step(s: ReplicaState, input: ReplicaInput, inspect?: ApplyInspector): ReplicaStepResult {
  const out: ReplicaOutput[] = [];
  s.out = out;
  s.inspect = inspect;
  dispatch(s, input);
  s.inspect = undefined;
  return { state: s, outputs: out };
}

function dispatch(s: ReplicaState, input: ReplicaInput): void {
  if (input === null || typeof input !== "object") {
    s.out.push({ type: "rejected", reason: "malformed-input", detail: "input must be an object" });
    return;
  }
  switch (input.type) {
    case "tick":
      tick(s);
      // A snapshot in progress goes on a slice per tick, in the background as ZooKeeper's snapshot thread: one
      // per step would have it take the whole CPU from the writes until it is done.
      continueSnapshotting(s);
      break;
    case "timeout":
      for (const o of raftStep(s, { type: "timeout", timer: input.timer })) {
        if (o.type === "rejected") s.out.push({ type: "rejected", reason: "timer-refused", detail: `raft: ${o.detail}` });
      }
      // Checkers that fire timers by choice never tick.
      continueSnapshotting(s);
      break;
    case "message":
      receive(s, input.message);
      break;
    case "persisted":
      raftStep(s, { type: "persisted", index: input.index, term: input.term });
      break;
    case "snapshot-persisted":
      raftStep(s, { type: "snapshot-persisted", index: input.index, term: input.term });
      break;
    case "connect":
      connect(s, input.conn, input.timeoutMs, input.session);
      break;
    case "request":
      request(s, input.conn, input.xid, input.request, input.linearizable === true);
      break;
    case "ping": {
      const c = s.conns.get(input.conn);
      if (c !== undefined && c.sessionId !== 0) touch(s, c.sessionId);
      break;
    }
    case "disconnect": {
      const c = s.conns.get(input.conn);
      if (c !== undefined) forget(s, c);
      break;
    }
    case "flush":
      flushProposals(s);
      break;
    default:
      s.out.push({ type: "rejected", reason: "malformed-input", detail: `unknown input type ${JSON.stringify((input as { type?: unknown }).type)}` });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Raft plumbing

/** @internal */
export function raftStep(s: ReplicaState, input: raft.Input): readonly raft.Output[] {
  const r = raft.step(s.raft, input);
  s.raft = r.state;
  // The core reuses its output array on the next step: handle (and copy out) everything now.
  const outputs = r.outputs.slice();
  for (const o of outputs) handleRaftOutput(s, o);
  return outputs;
}

function handleRaftOutput(s: ReplicaState, o: raft.Output): void {
  switch (o.type) {
    case "persist":
      s.out.push({ type: "persist", write: o });
      return;
    case "send":
      s.out.push({ type: "send", to: o.to, message: { type: "raft", from: s.id, to: o.to, message: o.message } });
      return;
    case "apply":
      applyOutput(s, o);
      return;
    case "read-ready":
    case "rejected":
      if (o.requestId !== undefined) readIndexResolved(s, String(o.requestId), o.type === "read-ready" ? o.index : -1);
      return;
    case "role-change":
      roleChanged(s, o);
      return;
  }
}

function roleChanged(s: ReplicaState, o: Extract<raft.Output, { type: "role-change" }>): void {
  if (o.role === "leader" && !s.leading) {
    // A new leader gives every known session a full timeout, as ZooKeeper's does.
    for (const rec of s.tree.sessions.values()) trackSession(s.tracker, rec.id, rec.timeoutMs, s.now);
    s.nextReapAt = s.now + s.settings.reaperIntervalMs;
  }
  s.leading = o.role === "leader";
  if (o.role !== "leader") {
    s.tracker.sessions.clear();
    s.batch = [];
    s.proposed.clear();
    s.reaping.clear();
    s.sessionCounter = 0;
  }
  // ZooKeeper's servers shut their client connections down when they lose their leader: here, when a new term
  // starts (an election) or another leader appears. A pre-vote round keeps the term, and the connections.
  if ((s.knownTerm !== 0 && o.term !== s.knownTerm) || (o.leader !== 0 && s.knownLeader !== 0 && o.leader !== s.knownLeader)) {
    const reason = `replica ${s.id} lost its leader ${s.knownLeader} (term ${s.knownTerm} → ${o.term})`;
    for (const c of [...s.conns.values()]) drop(s, c, "disconnected", reason);
  }
  if (o.term !== s.knownTerm) s.knownLeader = 0;
  if (o.leader !== 0) s.knownLeader = o.leader;
  s.knownTerm = o.term;
}

/** @internal */
export function isLeader(s: ReplicaState): boolean {
  return raft.role(s.raft) === "leader";
}

// ---------------------------------------------------------------------------------------------------------
// Time

function tick(s: ReplicaState): void {
  s.ticks++;
  s.now += s.settings.tickMs;
  raftStep(s, { type: "tick" });
  if (isLeader(s)) {
    for (const id of expireSessions(s.tracker, s.now)) {
      propose(s, { sessionId: id, xid: 0, auth: [], request: { type: "closeSession" }, origin: 0, expiry: true });
    }
    const interval = s.settings.reaperIntervalMs;
    if (interval > 0 && s.now >= s.nextReapAt) {
      s.nextReapAt = s.now + interval;
      for (const path of reapCandidates(s.tree, s.now)) {
        if (s.reaping.has(path)) continue;
        s.reaping.add(path);
        propose(s, { sessionId: 0, xid: 0, auth: [], request: { type: "deleteContainer", path }, origin: 0 });
      }
    }
  } else if (s.touched.size > 0 && s.knownLeader !== 0) {
    send(s, { type: "touch", from: s.id, to: s.knownLeader, sessions: [...s.touched] });
    s.touched.clear();
  }
  const limit = s.ticks - s.settings.requestTimeoutTicks;
  for (const c of [...s.conns.values()]) {
    const head = c.queue[0];
    if (c.sessionId === 0 ? c.since < limit : head !== undefined && head.since < limit) {
      drop(s, c, "disconnected", `no answer within ${s.settings.requestTimeoutTicks} ticks`);
    }
  }
}

function touch(s: ReplicaState, sessionId: number): void {
  if (isLeader(s)) touchSession(s.tracker, sessionId, s.now);
  else s.touched.add(sessionId);
}

// ---------------------------------------------------------------------------------------------------------
// Messages

function send(s: ReplicaState, message: EnsembleMessage): void {
  s.out.push({ type: "send", to: message.to, message });
}

function receive(s: ReplicaState, m: EnsembleMessage): void {
  if (m === null || typeof m !== "object" || m.to !== s.id) return; // misrouted or malformed: ignore
  switch (m.type) {
    case "raft":
      raftStep(s, { type: "message", message: m.message });
      return;
    case "forward":
      if (isLeader(s)) propose(s, m.command);
      return;
    case "read-index":
      if (isLeader(s)) raftStep(s, { type: "read-index", requestId: `${m.from}:${m.id}` });
      else send(s, { type: "read-index-response", from: s.id, to: m.from, id: m.id, index: -1 });
      return;
    case "read-index-response":
      readIndexAnswered(s, m.id, m.index);
      return;
    case "touch":
      if (isLeader(s)) for (const id of m.sessions) touchSession(s.tracker, id, s.now);
      return;
  }
}

/** Leader: assigns what only the leader decides (time, session id and password), then proposes. */
/** The leader's key for a command it proposed (to propose network duplicates once); undefined: not deduplicated. */
/** @internal */
export function proposalKey(c: ForwardedCommand): string | undefined {
  return c.request.type === "createSession" ? `n:${c.origin}:${c.nonce}` : c.xid > 0 ? `x:${c.sessionId}:${c.xid}` : undefined;
}

function propose(s: ReplicaState, forwarded: ForwardedCommand): void {
  const key = proposalKey(forwarded);
  if (key !== undefined) {
    if (s.proposed.has(key)) return;
    s.proposed.add(key);
  }
  let command = stamped(forwarded, forwarded.sessionId, forwarded.request, s.now);
  const req = forwarded.request;
  if (req.type === "createSession") {
    const sessionId = raft.term(s.raft) * 65536 + ++s.sessionCounter;
    const { tickTimeMs, minSessionTimeoutMs, maxSessionTimeoutMs } = s.settings;
    const timeoutMs = negotiateTimeout(req.timeoutMs, { tickTimeMs, minSessionTimeoutMs, maxSessionTimeoutMs });
    command = stamped(forwarded, sessionId, { type: "createSession", sessionId, password: password(s, sessionId), timeoutMs }, s.now);
  }
  const held: HeldProposal = { command, data: encodeFrame(command) };
  rememberCommand(held.data, command);
  // Batching: the commands of one turn of the driver's loop become one Raft proposal (one log write, one append
  // per follower), as the KV node's proposals do.
  if (s.settings.batchProposals) s.batch.push(held);
  else submit(s, [held]);
}

/**
 * The command proposed for `f`: its fields in the order of `{ ...f, time }` (the order of the entry's JSON
 * header), written as literals so that every command of a kind has one hidden class (a spread per proposal made
 * V8 build new object maps and left the property loads of the apply path megamorphic).
 */
function stamped(f: ForwardedCommand, sessionId: number, request: WriteRequest, time: number): Command {
  const { xid, auth, origin, nonce, expiry } = f;
  if (nonce === undefined && expiry === undefined) return { sessionId, xid, auth, request, origin, time };
  if (expiry === undefined) return { sessionId, xid, auth, request, origin, nonce, time };
  if (nonce === undefined) return { sessionId, xid, auth, request, origin, expiry, time };
  return { sessionId, xid, auth, request, origin, nonce, expiry, time };
}

/** Proposes the commands held for batching (the `flush` input). */
function flushProposals(s: ReplicaState): void {
  if (s.batch.length === 0) return;
  const held = s.batch;
  s.batch = [];
  submit(s, held);
}

/** Proposes commands to Raft as one proposal; if Raft refuses, the leader forgets it proposed them. */
function submit(s: ReplicaState, held: readonly HeldProposal[]): void {
  const outputs = raftStep(s, { type: "propose", data: held.length === 1 ? held[0]!.data : held.map((h) => h.data) });
  if (!outputs.some((o) => o.type === "rejected")) return;
  for (const { command } of held) {
    const key = proposalKey(command);
    if (key !== undefined) s.proposed.delete(key);
    const req = command.request;
    if (req.type === "closeSession" && command.expiry === true) {
      const t = s.tracker.sessions.get(command.sessionId);
      if (t !== undefined) t.closing = false;
    }
    if (req.type === "deleteContainer") s.reaping.delete(req.path);
  }
}

function password(s: ReplicaState, sessionId: number): string {
  const digest = sha1(utf8(`${s.settings.secret}:${sessionId}`));
  let hex = "";
  for (let i = 0; i < 16; i++) hex += digest[i]!.toString(16).padStart(2, "0");
  return hex;
}

/** Forwards a command to the leader (or proposes it here); false when no leader is known. */
function forward(s: ReplicaState, command: ForwardedCommand): boolean {
  if (isLeader(s)) {
    propose(s, command);
    return true;
  }
  if (s.knownLeader === 0) return false;
  send(s, { type: "forward", from: s.id, to: s.knownLeader, command });
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Reads that need a ReadIndex (linearizable reads, sync)

function askReadIndex(s: ReplicaState, c: Connection, p: Pending): void {
  const id = ++s.readSeq;
  s.readWaiters.set(id, { conn: c.id, xid: p.xid });
  if (isLeader(s)) raftStep(s, { type: "read-index", requestId: `${s.id}:${id}` });
  else if (s.knownLeader !== 0) send(s, { type: "read-index", from: s.id, to: s.knownLeader, id });
  else readIndexAnswered(s, id, -1);
}

/** Leader side: a read index for request `from:id` is known (or refused: −1). */
function readIndexResolved(s: ReplicaState, requestId: string, index: number): void {
  const colon = requestId.indexOf(":");
  const from = Number(requestId.slice(0, colon));
  const id = Number(requestId.slice(colon + 1));
  if (from === s.id) readIndexAnswered(s, id, index);
  else send(s, { type: "read-index-response", from: s.id, to: from, id, index });
}

function readIndexAnswered(s: ReplicaState, id: number, index: number): void {
  const w = s.readWaiters.get(id);
  if (w === undefined) return;
  s.readWaiters.delete(id);
  const c = s.conns.get(w.conn);
  const p = c?.queue.find((q) => q.xid === w.xid);
  if (c === undefined || p === undefined) return;
  if (index < 0) p.reply = { err: Code.CONNECTIONLOSS, zxid: -1 };
  else p.readIndex = index;
  flush(s, c);
}

// ---------------------------------------------------------------------------------------------------------
// Clients

/** @internal */
export function stateOut(s: ReplicaState, conn: ConnId, state: ConnectionState, c?: Connection, reason?: string): void {
  const session = c !== undefined && c.sessionId !== 0 ? { id: c.sessionId, password: c.password, timeoutMs: c.timeoutMs } : undefined;
  s.out.push({ type: "state", conn, state, ...(session === undefined ? {} : { session }), ...(reason === undefined ? {} : { reason }) });
}

function connect(s: ReplicaState, conn: ConnId, timeoutMs: number, session?: { id: number; password: string; lastZxidSeen: number }): void {
  if (s.conns.has(conn)) return stateOut(s, conn, "refused", undefined, `connection id ${conn} is already in use on replica ${s.id}`);
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 0) return stateOut(s, conn, "refused", undefined, `timeoutMs must be a non-negative integer, got ${timeoutMs}`);
  if (s.knownLeader === 0) return stateOut(s, conn, "refused", undefined, `replica ${s.id} has no leader; try another replica`);
  const c: Connection = { id: conn, sessionId: 0, password: "", timeoutMs, auth: [{ scheme: "ip", id: CLIENT_ADDRESS }], queue: [], lastXid: 0, since: s.ticks };
  if (session === undefined) {
    s.conns.set(conn, c);
    s.byNonce.set(conn, conn);
    forward(s, { sessionId: 0, xid: 0, auth: [], request: { type: "createSession", sessionId: 0, password: "", timeoutMs }, origin: s.id, nonce: conn });
    return;
  }
  const rec = s.tree.sessions.get(session.id);
  if (rec === undefined || rec.password !== session.password) return stateOut(s, conn, "expired", undefined, `session ${session.id} is closed or expired`);
  if (s.tree.lastZxid < session.lastZxidSeen) {
    return stateOut(s, conn, "refused", undefined, `replica ${s.id} has seen zxid ${s.tree.lastZxid}, the client ${session.lastZxidSeen}; try another replica`);
  }
  const old = s.bySession.get(session.id);
  if (old !== undefined) drop(s, s.conns.get(old)!, "disconnected", "the session re-attached on another connection");
  c.sessionId = rec.id;
  c.password = rec.password;
  c.timeoutMs = rec.timeoutMs;
  s.conns.set(conn, c);
  s.bySession.set(rec.id, conn);
  touch(s, rec.id);
  stateOut(s, conn, "reconnected", c);
}

function request(s: ReplicaState, conn: ConnId, xid: number, req: ClientRequest, linearizable: boolean): void {
  const c = s.conns.get(conn);
  if (c === undefined || c.sessionId === 0) {
    s.out.push({ type: "reply", conn, xid, reply: { err: Code.CONNECTIONLOSS, zxid: -1 } });
    return;
  }
  if (!Number.isSafeInteger(xid) || xid <= c.lastXid) {
    s.out.push({ type: "reply", conn, xid, reply: { err: Code.BADARGUMENTS, zxid: -1 } });
    return;
  }
  c.lastXid = xid;
  touch(s, c.sessionId);
  if (requestFrameLength(req) > MAX_FRAME_BYTES) {
    // ZooKeeper closes the connection on a frame above jute.maxbuffer; nothing of it reaches the tree.
    drop(s, c, "disconnected", `request frame of ${requestFrameLength(req)} bytes exceeds jute.maxbuffer ${MAX_FRAME_BYTES}`);
    return;
  }
  const isWrite = isWriteRequest(req);
  const kind = isWrite ? "write" : req.type === "sync" || linearizable ? "indexed" : "local";
  const p: Pending = { xid, request: req, kind, readIndex: -1, reply: undefined, since: s.ticks };
  c.queue.push(p);
  if (kind === "indexed") s.readsHeld++;
  if (!s.tree.sessions.has(c.sessionId)) p.reply = { err: Code.SESSIONEXPIRED, zxid: -1 };
  else if (isWrite) {
    const request = (req.type === "closeSession" ? { type: "closeSession" } : req) as WriteRequest;
    if (!forward(s, { sessionId: c.sessionId, xid, auth: c.auth.slice(), request, origin: s.id })) p.reply = { err: Code.CONNECTIONLOSS, zxid: -1 };
  } else if (kind === "indexed") askReadIndex(s, c, p);
  flush(s, c);
}

/** Answers the connection's requests from the head while they are ready: in order, always. */
/** @internal */
export function flush(s: ReplicaState, c: Connection): void {
  while (c.queue.length > 0 && s.conns.get(c.id) === c) {
    const p = c.queue[0]!;
    let reply = p.reply;
    let close = false;
    if (reply === undefined) {
      if (p.kind === "write") return;
      if (p.kind === "indexed" && (p.readIndex < 0 || p.readIndex > s.applied)) return;
      ({ reply, closeConnection: close } = serveHere(s, c, p.request));
    }
    c.queue.shift();
    if (p.kind === "indexed") s.readsHeld--;
    s.out.push({ type: "reply", conn: c.id, xid: p.xid, reply });
    // ZooKeeper closes the connection after this reply (a failed addAuth, an unknown opcode).
    if (close) drop(s, c, "disconnected", `closed after answering ${p.request.type} with error ${reply.err}`);
  }
}

/** Serves a request that is not a write with the shared serving layer (`core/zk/serve.ts`). */
function serveHere(s: ReplicaState, c: Connection, req: ClientRequest): { reply: Reply; closeConnection: boolean } {
  // Writes never get here (they are forwarded): what is left is served locally.
  const result = serveLocal(s.tree, s.watches, { sessionId: c.sessionId, auth: c.auth, clientAddress: CLIENT_ADDRESS }, req as LocalRequest);
  deliver(s, result.notifications);
  return result;
}

/** @internal */
export function deliver(s: ReplicaState, notifications: readonly { session: number; event: import("../zk/index.js").WatchEvent }[]): void {
  for (const n of notifications) {
    const conn = s.bySession.get(n.session);
    if (conn !== undefined) s.out.push({ type: "watch", conn, event: n.event });
  }
}

/** Closes a connection from the server side: its pending requests fail with CONNECTIONLOSS, its watches go. */
/** @internal */
export function drop(s: ReplicaState, c: Connection, state: ConnectionState, reason: string): void {
  for (const p of c.queue) s.out.push({ type: "reply", conn: c.id, xid: p.xid, reply: p.reply ?? { err: Code.CONNECTIONLOSS, zxid: -1 } });
  forget(s, c);
  stateOut(s, c.id, state, c, reason);
}

/** Forgets a connection (the client closed it, or {@link drop}). */
function forget(s: ReplicaState, c: Connection): void {
  for (const p of c.queue) if (p.kind === "indexed") s.readsHeld--;
  c.queue.length = 0;
  s.conns.delete(c.id);
  s.byNonce.delete(c.id);
  if (c.sessionId !== 0 && s.bySession.get(c.sessionId) === c.id) {
    s.bySession.delete(c.sessionId);
    removeSessionWatches(s.watches, c.sessionId);
  }
}
