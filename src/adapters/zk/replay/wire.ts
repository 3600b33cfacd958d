/**
 * `zk-replay --wire`: runs a transcript's steps over ZooKeeper's wire protocol — every request encoded as frames
 * by the wire codec, sent over TCP to quorate's wire server, every reply and notification decoded from the bytes
 * the server sent — instead of through the in-process client. The server runs in this process on a loopback port
 * with a simulated clock the replayer moves (6 ms before each step, `wait_ms`, expiry tick by tick), so the run is
 * as deterministic as the in-process replay; the service pings for connected sessions as their clients would.
 * Raw steps send their bytes as they are: nothing is skipped. The server is a single node, or each member of an
 * in-process ensemble (`ensemble`: see targets.ts), clients spread over the members.
 */
import type { ClientRequest, MultiOp, ReplyBody, WatchEvent } from "../../../core/zk/index.js";
import { Code, OpCode, ZkError } from "../../../core/zk/index.js";
import { WireClient } from "../../zk-wire/client.js";
import { decodeReplyBody, encodeRequest } from "../../zk-wire/protocol.js";
import { createCodec } from "../../zk-wire/records.js";
import { encodeWith } from "../../zk-wire/jute.js";
import { createRequest } from "../client.js";
import type { JsonObject, Transcript } from "./format.js";
import type { RawRun, RawStep, RawValue } from "./run.js";
import { GOLDEN_SERVER, createOptions, errResult, hexBytes, inputAcl, inputData, okResult, replyResult, subOp, watchLists } from "./run.js";
import type { ReplayTarget } from "./targets.js";
import { ensembleTarget, singleNodeTarget } from "./targets.js";

const STEP_GAP_MS = 6;
const EVENT_TYPES: Record<number, WatchEvent["type"]> = { 1: "NodeCreated", 2: "NodeDeleted", 3: "NodeDataChanged", 4: "NodeChildrenChanged" };

/** A transcript session as a client library tracks it. */
interface Session {
  client: WireClient | undefined;
  readonly id: bigint;
  readonly passwd: Uint8Array;
  readonly timeoutMs: number;
  /** What the client knows: connected, disconnected (connection lost), or dead (closed or expired). */
  state: "connected" | "disconnected" | "dead";
}

/** The request a step sends (raw steps and create overrides as their bytes). */
function stepRequest(s: JsonObject, base: number): ClientRequest {
  const path = s.path as string;
  const watch = s.watch === true;
  const version = (s.version as number | undefined) ?? -1;
  switch (s.op) {
    case "create":
    case "create2": {
      const req = createRequest(path, inputData(s.data), createOptions(s, s.op === "create2"));
      if (typeof s.opcode !== "number" && typeof s.flags !== "number") return req;
      // Wire-level override: the body is built for the step's mode (and flags), sent with the given opcode.
      const body = encodeWith((w) => createCodec(req.opcode).write(w, { ...req, ...(typeof s.flags === "number" ? { flags: s.flags } : {}) }));
      return { type: "raw", opcode: typeof s.opcode === "number" ? s.opcode : req.opcode, body };
    }
    case "delete":
      return { type: "delete", path, version };
    case "exists":
    case "getData":
      return { type: s.op, path, watch };
    case "setData":
      return { type: "setData", path, data: inputData(s.data), version };
    case "getACL":
      return { type: "getACL", path };
    case "setACL":
      return { type: "setACL", path, acl: inputAcl(s.acl), version };
    case "getChildren":
    case "getChildren2":
      return { type: "getChildren", path, watch, withStat: s.op === "getChildren2" };
    case "sync":
    case "getAllChildrenNumber":
      return { type: s.op, path };
    case "multi":
    case "multiRead":
      return { type: s.op, ops: (s.ops as JsonObject[]).map(subOp) as MultiOp[] };
    case "checkWatches":
    case "removeWatches":
      return { type: s.op, path, watcherType: s.type as "ANY" };
    case "addWatch":
      return { type: "addWatch", path, recursive: s.mode === "PERSISTENT_RECURSIVE" };
    case "setWatches":
    case "setWatches2": {
      const rel = s.relative_zxid as number;
      const lists = watchLists(s);
      return { type: "setWatches", relativeZxid: rel > 0 ? base + rel : rel, lists, version: s.op === "setWatches2" ? 2 : 1 };
    }
    case "getEphemerals":
      return { type: "getEphemerals", prefix: s.prefix as string };
    case "addAuth":
      return { type: "addAuth", scheme: s.scheme as string, auth: s.auth as string };
    case "whoAmI":
      return { type: "whoAmI" };
    default:
      return { type: "raw", opcode: s.opcode as number, body: hexBytes((s.body_hex as string | undefined) ?? "") };
  }
}

/** The step's result in the in-process replayer's shape, from the decoded reply. */
function resultOf(s: JsonObject, err: number, zxid: number, body: ReplyBody | undefined): { [key: string]: RawValue } {
  if (s.op === "multi" || s.op === "multiRead" || s.op === "raw") return replyResult({ err, zxid, ...(body === undefined ? {} : { body }) });
  if (err !== Code.OK) return errResult(err, zxid);
  switch (body?.kind) {
    case "create":
      return okResult(zxid, { path: body.path });
    case "create2":
      return okResult(zxid, { path: body.path, stat: body.stat });
    case "stat":
      return okResult(zxid, { stat: body.stat });
    case "data":
      return okResult(zxid, { data: body.data, stat: body.stat });
    case "acl":
      return okResult(zxid, { acl: body.acl.map((a) => ({ perms: a.perms, scheme: a.scheme, id: a.id })), stat: body.stat });
    case "children":
      return okResult(zxid, body.stat === undefined ? { children: [...body.children] } : { children: [...body.children], stat: body.stat });
    case "path":
      return okResult(zxid, { path: body.path });
    case "ephemerals":
      return okResult(zxid, { paths: [...body.paths] });
    case "number":
      return okResult(zxid, { number: body.number });
    case "whoAmI":
      return okResult(zxid, { client_info: body.clientInfo.map((c) => ({ scheme: c.scheme, user: c.user })) });
    default:
      return okResult(zxid);
  }
}

/** Where {@link runTranscriptOverWire} replays. */
export interface WireReplayOptions {
  /** Members of an in-process ensemble to replay against (a wire server in front of each); default a single node. */
  readonly ensemble?: number;
}

/** Replays a transcript over the wire against fresh in-process wire server(s) and returns quorate's raw answers. */
export async function runTranscriptOverWire(transcript: Transcript, options: WireReplayOptions = {}): Promise<RawRun> {
  const target = options.ensemble === undefined ? await singleNodeTarget(transcript) : await ensembleTarget(transcript, options.ensemble);
  try {
    return await replay(transcript, target);
  } finally {
    await target.close();
  }
}

async function replay(transcript: Transcript, target: ReplayTarget): Promise<RawRun> {
  const advance = (ms: number) => target.advance(ms);
  const sessions = new Map<string, Session>();
  const sessionNames = new Map<number, string>();
  let bucket: Record<string, WatchEvent[]> = {};

  const collect = (name: string, session: Session) => {
    const c = session.client;
    if (c === undefined) return;
    for (const n of c.notifications.splice(0)) (bucket[name] ??= []).push({ type: EVENT_TYPES[n.type] ?? "NodeCreated", state: "SyncConnected", path: n.path });
  };
  /** Waits until every connected client has received every frame the server sent it, then collects notifications. */
  const settle = async () => {
    for (const [name, session] of sessions) {
      const c = session.client;
      if (c !== undefined) {
        const id = Number(session.id);
        for (let i = 0; c.framesReceived < target.framesSent(id); i++) {
          if (i > 2000) throw new Error(`zk-replay --wire: session ${name} did not receive the server's frames`);
          await new Promise((r) => setImmediate(r));
        }
      }
      collect(name, session);
    }
  };
  const attach = async (name: string, id: bigint, passwd: Uint8Array, timeoutMs: number): Promise<Session> => {
    const client = await WireClient.connect({ port: target.nextPort(), timeoutMs, sessionId: id, passwd });
    const session: Session = { client, id: client.session.sessionId, passwd: client.session.passwd ?? new Uint8Array(16), timeoutMs, state: "connected" };
    sessions.set(name, session);
    sessionNames.set(Number(session.id), name);
    void client.closed.then(() => {
      if (session.client === client && session.state === "connected") session.state = "disconnected";
    });
    return session;
  };
  const open = async (name: string, timeoutMs: number) => (await attach(name, 0n, new Uint8Array(16), timeoutMs)).client!.session.timeOut;

  const opened: Record<string, number> = {};
  for (const s of transcript.sessions) opened[s.name] = await open(s.name, s.timeoutMs);
  const baseZxid = target.lastZxid;
  const steps: RawStep[] = [];

  /** Sends a request as the client library would (client-side failures without sending). */
  const send = async (session: Session, opcode: number, body: Uint8Array) => {
    if (session.state === "dead") throw new ZkError(Code.SESSIONEXPIRED);
    if (session.state === "disconnected" || session.client === undefined) throw new ZkError(Code.CONNECTIONLOSS);
    try {
      return await session.client.request(opcode, body);
    } catch {
      session.state = "disconnected";
      throw new ZkError(Code.CONNECTIONLOSS);
    }
  };

  for (const entry of transcript.steps) {
    bucket = {};
    advance(STEP_GAP_MS);
    await settle();
    const s = entry.step;
    let result: { [key: string]: RawValue } = {};
    const subOps = Array.isArray(s.ops) ? (s.ops as JsonObject[]) : [];
    const wire = s.op === "raw" || s.opcode !== undefined || s.flags !== undefined || subOps.some((o) => o.flags !== undefined);
    try {
      if (typeof s.op === "string") {
        const session = sessions.get(s.session as string)!;
        const { opcode, body } = encodeRequest(stepRequest(s, baseZxid));
        const reply = await send(session, opcode, body);
        const decoded = decodeReplyBody(opcode, reply.err, reply.body);
        result = resultOf(s, reply.err, reply.zxid, decoded.ok ? decoded.value : undefined);
        // When the server dropped the connection with its answer (AUTHFAILED, an unknown opcode), the client sees it go.
        if (!target.isConnected(Number(session.id))) await session.client!.closed;
      } else if (typeof s.wait_ms === "number") {
        advance(s.wait_ms);
      } else if (typeof s.open === "string") {
        result = { err: "OK", code: 0, timeout_ms: await open(s.open, s.timeout_ms as number) };
      } else if (typeof s.close === "string") {
        const session = sessions.get(s.close)!;
        const reply = await send(session, OpCode.closeSession, new Uint8Array(0));
        await settle();
        session.state = "dead";
        await session.client!.closed;
        result = okResult(reply.zxid);
      } else if (typeof s.expire === "string") {
        const session = sessions.get(s.expire)!;
        const id = Number(session.id);
        target.setAutoPing(id, false);
        for (let i = 0; target.isSessionAlive(id); i++) {
          if (i > 10_000) throw new Error(`session ${s.expire} did not expire`);
          advance(GOLDEN_SERVER.tickTimeMs - (target.now % GOLDEN_SERVER.tickTimeMs));
        }
        await settle();
        if (session.client !== undefined) await session.client.closed;
        session.state = "dead";
        result = errResult(Code.SESSIONEXPIRED);
      } else if (typeof s.disconnect === "string") {
        const session = sessions.get(s.disconnect)!;
        session.client?.destroy();
        await session.client?.closed;
        // The server learns of the close asynchronously: wait until it has dropped the connection's watches.
        for (let i = 0; target.isConnected(Number(session.id)); i++) {
          if (i > 2000) throw new Error(`zk-replay --wire: the server did not see ${s.disconnect}'s connection close`);
          await new Promise((r) => setTimeout(r, 1));
        }
        session.state = session.state === "dead" ? "dead" : "disconnected";
      } else if (typeof s.reconnect === "string") {
        const old = sessions.get(s.reconnect)!;
        if (old.state === "dead") throw new ZkError(Code.SESSIONEXPIRED);
        old.client?.destroy();
        try {
          const session = await attach(s.reconnect, old.id, old.passwd, old.timeoutMs);
          result = { err: "OK", code: 0, timeout_ms: session.client!.session.timeOut };
        } catch {
          old.state = "dead";
          throw new ZkError(Code.SESSIONEXPIRED);
        }
      }
    } catch (e) {
      if (e instanceof ZkError) result = errResult(e.code, e.zxid);
      else throw e;
    }
    await settle();
    steps.push({ result, events: bucket, zxidAfter: target.lastZxid, wire });
  }
  for (const session of sessions.values()) session.client?.destroy();
  return { baseZxid, sessionNames, opened, steps };
}
