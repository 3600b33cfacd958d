/**
 * ZooKeeper 3.8's client protocol on top of the jute records: length-prefixed frames, request bodies decoded into
 * the core's {@link ClientRequest}s, replies and notifications encoded as a server sends them. Pure: no I/O.
 */
import type { ClientRequest, CreateOpcode, EventType, Reply, ReplyBody, WatcherType } from "../../core/zk/index.js";
import { Code, OpCode, decodeCreateBody } from "../../core/zk/index.js";
import type { Codec } from "./records.js";
import {
  AclResponseCodec,
  AuthPacketCodec,
  Children2ResponseCodec,
  ChildrenResponseCodec,
  Create2ResponseCodec,
  DataResponseCodec,
  IntCodec,
  MultiRequestCodec,
  MultiResponseCodec,
  PathCodec,
  PathIntCodec,
  PathVersionCodec,
  PathWatchCodec,
  ReplyHeaderCodec,
  SetAclCodec,
  SetDataCodec,
  SetWatches2Codec,
  SetWatchesCodec,
  StatCodec,
  StringsCodec,
  WatcherEventCodec,
  WhoAmICodec,
  createCodec,
} from "./records.js";
import type { Decoded } from "./jute.js";
import { JuteError, JuteWriter, decodeWith } from "./jute.js";

/** Special xids (ZooKeeper's `ClientCnxn`). */
export const Xid = { notification: -1, ping: -2, auth: -4, setWatches: -8 } as const;

/** Watcher event types on the wire (`Watcher.Event.EventType`). */
export const EventTypeCode: Record<EventType, number> = { NodeCreated: 1, NodeDeleted: 2, NodeDataChanged: 3, NodeChildrenChanged: 4 };

/** Keeper states on the wire (`Watcher.Event.KeeperState`). */
export const KeeperState = { Disconnected: 0, SyncConnected: 3, AuthFailed: 4, ConnectedReadOnly: 5, SaslAuthenticated: 6, Expired: -112, Closed: 7 } as const;

const watcherTypes: Record<number, WatcherType> = { 1: "CHILDREN", 2: "DATA", 3: "ANY" };

/** The opcodes whose requests are transactions (a malformed body is still logged, as MARSHALLINGERROR). */
export const WRITE_OPCODES: ReadonlySet<number> = new Set([1, 2, 5, 7, 13, 14, 15, 16, 19, 20, 21]);

/** ZooKeeper 3.8's valid request opcodes (anything else is UNIMPLEMENTED and drops the connection). */
const VALID_OPCODES: ReadonlySet<number> = new Set([
  1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 100, 101, 102, 103, 104, 105, 106, 107, -10, -11,
]);

/** A request body that could not be turned into a {@link ClientRequest}. */
export interface UndecodableRequest {
  readonly type: "undecodable";
  readonly opcode: number;
  /** `malformed`: the body does not parse (ZooKeeper: MARSHALLINGERROR); `unsupported`: quorate does not serve this opcode. */
  readonly reason: "malformed" | "unsupported";
  readonly detail: string;
}

function body<T>(bytes: Uint8Array, codec: Codec<T>): Decoded<T> {
  return decodeWith(bytes, codec.read);
}

const createCodecs = { 1: createCodec(1), 15: createCodec(15), 19: createCodec(19), 21: createCodec(21) } as const;

function mapDecoded<T>(opcode: number, d: Decoded<T>, to: (v: T) => ClientRequest | UndecodableRequest): ClientRequest | UndecodableRequest {
  if (!d.ok) return { type: "undecodable", opcode, reason: "malformed", detail: d.error.message };
  return to(d.value);
}

function malformed(opcode: number, detail: string): UndecodableRequest {
  return { type: "undecodable", opcode, reason: "malformed", detail };
}

/**
 * Decodes a request body for `opcode` (the header already read) into the core's request. Trailing bytes are
 * ignored, as jute does. Never throws: a bad body comes back as {@link UndecodableRequest}. Ping, closeSession
 * and the connect handshake are framed by the caller and not decoded here.
 */
export function decodeRequest(opcode: number, bytes: Uint8Array): ClientRequest | UndecodableRequest {
  // The frequent requests are built as literals, not spreads of the decoded record: one hidden class per kind of
  // request keeps the serving and apply paths' property loads monomorphic (fields in the record's order).
  switch (opcode) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return mapDecoded(opcode, body(bytes, createCodecs[opcode as CreateOpcode]), (c) => c);
    case OpCode.delete:
      return mapDecoded(opcode, body(bytes, PathVersionCodec), (d) => ({ type: "delete", path: d.path, version: d.version }));
    case OpCode.exists:
      return mapDecoded(opcode, body(bytes, PathWatchCodec), (d) => ({ type: "exists", path: d.path, watch: d.watch }));
    case OpCode.getData:
      return mapDecoded(opcode, body(bytes, PathWatchCodec), (d) => ({ type: "getData", path: d.path, watch: d.watch }));
    case OpCode.getChildren:
    case OpCode.getChildren2:
      return mapDecoded(opcode, body(bytes, PathWatchCodec), (d) => ({ type: "getChildren", path: d.path, watch: d.watch, withStat: opcode === OpCode.getChildren2 }));
    case OpCode.setData:
      return mapDecoded(opcode, body(bytes, SetDataCodec), (d) => ({ type: "setData", path: d.path, data: d.data, version: d.version }));
    case OpCode.getACL:
      return mapDecoded(opcode, body(bytes, PathCodec), (path) => ({ type: "getACL", path }));
    case OpCode.setACL:
      return mapDecoded(opcode, body(bytes, SetAclCodec), (d) => ({ type: "setACL", ...d }));
    case OpCode.sync:
      return mapDecoded(opcode, body(bytes, PathCodec), (path) => ({ type: "sync", path }));
    case OpCode.getAllChildrenNumber:
      return mapDecoded(opcode, body(bytes, PathCodec), (path) => ({ type: "getAllChildrenNumber", path }));
    case OpCode.getEphemerals:
      return mapDecoded(opcode, body(bytes, PathCodec), (prefix) => ({ type: "getEphemerals", prefix }));
    case OpCode.whoAmI:
      return { type: "whoAmI" };
    case OpCode.multi:
      return mapDecoded(opcode, body(bytes, MultiRequestCodec), (ops) => ({ type: "multi", ops }));
    case OpCode.multiRead:
      return mapDecoded(opcode, body(bytes, MultiRequestCodec), (ops) => ({ type: "multiRead", ops }));
    case OpCode.checkWatches:
    case OpCode.removeWatches:
      return mapDecoded(opcode, body(bytes, PathIntCodec), ({ path, value }) => {
        const watcherType = watcherTypes[value];
        if (watcherType === undefined) return malformed(opcode, `watcher type ${value} is not 1 (CHILDREN), 2 (DATA) or 3 (ANY)`);
        return { type: opcode === OpCode.checkWatches ? "checkWatches" : "removeWatches", path, watcherType };
      });
    case OpCode.addWatch:
      return mapDecoded(opcode, body(bytes, PathIntCodec), ({ path, value }) => {
        if (value !== 0 && value !== 1) return malformed(opcode, `addWatch mode ${value} is not 0 (PERSISTENT) or 1 (PERSISTENT_RECURSIVE)`);
        return { type: "addWatch", path, recursive: value === 1 };
      });
    case OpCode.setWatches:
    case OpCode.setWatches2:
      return mapDecoded(opcode, body(bytes, opcode === OpCode.setWatches ? SetWatchesCodec : SetWatches2Codec), (s) => ({
        type: "setWatches",
        relativeZxid: Number(s.relativeZxid),
        lists: { data: s.data, exist: s.exist, child: s.child, persistent: s.persistent ?? [], persistentRecursive: s.persistentRecursive ?? [] },
        version: opcode === OpCode.setWatches ? 1 : 2,
      }));
    case OpCode.auth:
      return mapDecoded(opcode, body(bytes, AuthPacketCodec), (a) => ({
        type: "addAuth",
        scheme: a.scheme,
        auth: new TextDecoder().decode(a.auth ?? new Uint8Array()),
      }));
    case OpCode.closeSession:
      return { type: "closeSession" };
    default:
      return { type: "undecodable", opcode, reason: "unsupported", detail: `opcode ${opcode} is not served by quorate's wire server` };
  }
}

/** Whether a body decodes as a ReconfigRequest (three nullable strings and a long, nothing after). */
function isReconfigBody(body: Uint8Array): boolean {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let at = 0;
  for (let i = 0; i < 3; i++) {
    if (at + 4 > body.length) return false;
    const len = view.getInt32(at);
    at += 4;
    if (len > 0) at += len;
    if (at > body.length) return false;
  }
  return at + 8 === body.length;
}

/**
 * What a ZooKeeper 3.8 server makes of a request frame, for every frame, also those {@link decodeRequest} cannot
 * turn into an ordinary request — the one interpretation shared by the single node and the ensemble replica:
 * - an opcode ZooKeeper does not know stays `raw` (the serving layer answers UNIMPLEMENTED, then closes);
 * - a create body is read as ZooKeeper reads it, raw flags and all; one that does not parse is a `malformed` write;
 * - a well-formed reconfig is a `reconfig` write (refused with RECONFIGDISABLED, still a transaction);
 * - any other body that does not parse is a `malformed` write (an error transaction) for a write opcode, and an
 *   `unreadable` read (MARSHALLINGERROR, no transaction) otherwise.
 * `unsupported` is left for valid opcodes quorate does not serve (pings are framed by the caller).
 */
export function interpretFrame(opcode: number, bytes: Uint8Array): ClientRequest | UndecodableRequest {
  if (!VALID_OPCODES.has(opcode)) return { type: "raw", opcode, body: bytes };
  if (opcode === OpCode.create || opcode === OpCode.create2 || opcode === OpCode.createContainer || opcode === OpCode.createTTL) {
    return decodeCreateBody(opcode, bytes) ?? { type: "malformed", code: Code.MARSHALLINGERROR };
  }
  if (opcode === OpCode.reconfig) {
    return isReconfigBody(bytes) ? { type: "reconfig" } : { type: "undecodable", opcode, reason: "unsupported", detail: "reconfig with a body that is not a ReconfigRequest" };
  }
  const decoded = decodeRequest(opcode, bytes);
  if (decoded.type !== "undecodable" || decoded.reason === "unsupported") return decoded;
  return WRITE_OPCODES.has(opcode) ? { type: "malformed", code: Code.MARSHALLINGERROR } : { type: "unreadable", code: Code.MARSHALLINGERROR };
}

/** Encodes a reply body as the record ZooKeeper sends for it. */
export function writeReplyBody(w: JuteWriter, b: ReplyBody): void {
  switch (b.kind) {
    case "create":
    case "path":
      PathCodec.write(w, b.path);
      return;
    case "create2":
      Create2ResponseCodec.write(w, b);
      return;
    case "stat":
      StatCodec.write(w, b.stat);
      return;
    case "data":
      DataResponseCodec.write(w, b);
      return;
    case "children":
      (b.stat === undefined ? ChildrenResponseCodec : Children2ResponseCodec).write(w, b);
      return;
    case "acl":
      AclResponseCodec.write(w, b);
      return;
    case "multi":
      MultiResponseCodec.write(w, [...b.results]);
      return;
    case "ephemerals":
      StringsCodec.write(w, b.paths);
      return;
    case "number":
      IntCodec.write(w, b.number);
      return;
    case "whoAmI":
      WhoAmICodec.write(w, b.clientInfo);
      return;
  }
}

/** Starts a frame: reserves the 4-byte length prefix. Finish with {@link endFrame}. */
export function beginFrame(capacity = 128): JuteWriter {
  return new JuteWriter(capacity).int(0);
}

/**
 * Writes the length prefix and returns the frame's bytes: a view of the writer's buffer (one allocation and copy
 * less per reply); `w` must not be written to again.
 */
export function endFrame(w: JuteWriter): Uint8Array {
  w.patchInt(0, w.length - 4);
  return w.written();
}

/**
 * A whole reply frame: length, ReplyHeader(xid, zxid, err) and the body if the reply has one. A successful
 * addWatch carries an ErrorResponse(0) body, as ZooKeeper 3.8 sends it (its client reads one).
 */
export function encodeReply(xid: number, reply: Reply, opcode?: number): Uint8Array {
  // Room for the header, a Stat and the data, so that the writer does not grow while writing.
  const w = beginFrame(reply.body?.kind === "data" ? 160 + (reply.body.data?.length ?? 0) : 160);
  ReplyHeaderCodec.write(w, { xid, zxid: reply.zxid, err: reply.err });
  if (reply.body !== undefined) writeReplyBody(w, reply.body);
  else if (opcode === OpCode.addWatch && reply.err === 0) IntCodec.write(w, 0);
  return endFrame(w);
}

/** A notification frame: ReplyHeader(−1, −1, 0) then the WatcherEvent (ZooKeeper 3.8 sends zxid −1). */
export function encodeNotification(type: EventType, path: string): Uint8Array {
  const w = beginFrame(32 + path.length * 3);
  ReplyHeaderCodec.write(w, { xid: Xid.notification, zxid: -1, err: 0 });
  WatcherEventCodec.write(w, { type: EventTypeCode[type], state: KeeperState.SyncConnected, path });
  return endFrame(w);
}

/** What a {@link FrameSplitter} found in the bytes received so far. */
export type FrameEvent =
  | { readonly kind: "frame"; readonly body: Uint8Array }
  | { readonly kind: "fourLetterWord"; readonly word: string }
  | { readonly kind: "oversized"; readonly length: number };

/** The four-letter words ZooKeeper 3.8 knows (`FourLetterCommands`); only these are recognised before a handshake. */
export const FOUR_LETTER_WORDS: ReadonlySet<string> = new Set([
  "conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "ruok", "stmk", "srst", "srvr", "stat", "wchc", "wchp", "wchs", "mntr", "isro", "hash",
]);

/**
 * Splits a byte stream into frames: a 4-byte big-endian length then that many bytes. Before the handshake the
 * first four bytes may instead be a four-letter word (ZooKeeper reads them as the length and checks). A length
 * below 0 or above `maxFrameBytes` is reported as `oversized` (ZooKeeper closes the connection: "Len error").
 * Pure: the caller feeds bytes with {@link FrameSplitter.push} and takes events one at a time with
 * {@link FrameSplitter.next}, so that it can finish the handshake before the next frame is interpreted.
 */
export class FrameSplitter {
  private buf: Uint8Array = new Uint8Array(0);
  private at = 0;
  private failed = false;
  constructor(private readonly maxFrameBytes: number) {}

  /** Appends received bytes. */
  push(chunk: Uint8Array): void {
    if (this.failed || chunk.length === 0) return;
    const rest = this.buf.length - this.at;
    if (rest === 0) this.buf = chunk;
    else {
      const next = new Uint8Array(rest + chunk.length);
      next.set(this.buf.subarray(this.at));
      next.set(chunk, rest);
      this.buf = next;
    }
    this.at = 0;
  }

  /**
   * The next event, or `undefined` when more bytes are needed. `beforeHandshake` enables the four-letter-word
   * check. After a four-letter word or an oversized length the splitter stops (the connection is to be closed).
   */
  next(beforeHandshake: boolean): FrameEvent | undefined {
    if (this.failed || this.buf.length - this.at < 4) return undefined;
    const b = this.buf;
    const at = this.at;
    if (beforeHandshake) {
      const word = String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
      if (FOUR_LETTER_WORDS.has(word)) {
        this.failed = true;
        return { kind: "fourLetterWord", word };
      }
    }
    const len = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) | 0;
    if (len < 0 || len > this.maxFrameBytes) {
      this.failed = true;
      return { kind: "oversized", length: len };
    }
    if (b.length - at - 4 < len) return undefined;
    this.at = at + 4 + len;
    return { kind: "frame", body: b.subarray(at + 4, at + 4 + len) };
  }

  /** Bytes received but not yet part of a complete frame. */
  get buffered(): number {
    return this.buf.length - this.at;
  }
}

/** Reads the request header of a frame: xid, opcode and the body. */
export function splitRequest(frame: Uint8Array): Decoded<{ xid: number; opcode: number; body: Uint8Array }> {
  if (frame.length < 8) return { ok: false, error: new JuteError("truncated", 0, `request header needs 8 bytes, frame has ${frame.length}`) };
  const view = new DataView(frame.buffer, frame.byteOffset, 8);
  return { ok: true, value: { xid: view.getInt32(0), opcode: view.getInt32(4), body: frame.subarray(8) } };
}

/**
 * Decodes the body of a reply to `opcode` (what a client does): `undefined` when the reply has no body (an error,
 * delete, setWatches, …), else the record as the core's {@link ReplyBody}. Never throws.
 */
export function decodeReplyBody(opcode: number, err: number, bytes: Uint8Array): Decoded<ReplyBody | undefined> {
  const isMulti = opcode === OpCode.multi || opcode === OpCode.multiRead;
  if (bytes.length === 0 || (err !== 0 && !isMulti)) return { ok: true, value: undefined };
  const as = <T>(codec: Codec<T>, to: (v: T) => ReplyBody): Decoded<ReplyBody | undefined> => {
    const d = decodeWith(bytes, codec.read);
    return d.ok ? { ok: true, value: to(d.value) } : d;
  };
  switch (opcode) {
    case OpCode.create:
      return as(PathCodec, (path) => ({ kind: "create", path }));
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return as(Create2ResponseCodec, (c) => ({ kind: "create2", ...c }));
    case OpCode.exists:
    case OpCode.setData:
    case OpCode.setACL:
      return as(StatCodec, (stat) => ({ kind: "stat", stat }));
    case OpCode.getData:
      return as(DataResponseCodec, (d) => ({ kind: "data", ...d }));
    case OpCode.getChildren:
      return as(ChildrenResponseCodec, (c) => ({ kind: "children", children: c.children }));
    case OpCode.getChildren2:
      return as(Children2ResponseCodec, (c) => ({ kind: "children", ...c }));
    case OpCode.getACL:
      return as(AclResponseCodec, (a) => ({ kind: "acl", ...a }));
    case OpCode.sync:
      return as(PathCodec, (path) => ({ kind: "path", path }));
    case OpCode.multi:
    case OpCode.multiRead:
      return as(MultiResponseCodec, (results) => ({ kind: "multi", results }));
    case OpCode.getEphemerals:
      return as(StringsCodec, (paths) => ({ kind: "ephemerals", paths }));
    case OpCode.getAllChildrenNumber:
      return as(IntCodec, (number) => ({ kind: "number", number }));
    case OpCode.whoAmI:
      return as(WhoAmICodec, (clientInfo) => ({ kind: "whoAmI", clientInfo }));
    default:
      return { ok: true, value: undefined };
  }
}

const watcherTypeCodes: Record<WatcherType, number> = { CHILDREN: 1, DATA: 2, ANY: 3 };

/**
 * Encodes a request as a client sends it: its opcode and body (the inverse of {@link decodeRequest}). A `raw`
 * request is sent as given; setWatches uses SetWatches (v1) or SetWatches2 by its version.
 */
export function encodeRequest(req: ClientRequest): { opcode: number; body: Uint8Array } {
  const w = new JuteWriter(64);
  let opcode: number;
  switch (req.type) {
    case "create":
      opcode = req.opcode;
      createCodecs[req.opcode].write(w, req);
      break;
    case "delete":
      opcode = OpCode.delete;
      PathVersionCodec.write(w, req);
      break;
    case "exists":
    case "getData":
      opcode = req.type === "exists" ? OpCode.exists : OpCode.getData;
      PathWatchCodec.write(w, req);
      break;
    case "getChildren":
      opcode = req.withStat ? OpCode.getChildren2 : OpCode.getChildren;
      PathWatchCodec.write(w, req);
      break;
    case "setData":
      opcode = OpCode.setData;
      SetDataCodec.write(w, req);
      break;
    case "getACL":
    case "sync":
    case "getAllChildrenNumber":
      opcode = req.type === "getACL" ? OpCode.getACL : req.type === "sync" ? OpCode.sync : OpCode.getAllChildrenNumber;
      PathCodec.write(w, req.path);
      break;
    case "getEphemerals":
      opcode = OpCode.getEphemerals;
      PathCodec.write(w, req.prefix);
      break;
    case "setACL":
      opcode = OpCode.setACL;
      SetAclCodec.write(w, req);
      break;
    case "whoAmI":
      opcode = OpCode.whoAmI;
      break;
    case "closeSession":
      opcode = OpCode.closeSession;
      break;
    case "multi":
    case "multiRead":
      opcode = req.type === "multi" ? OpCode.multi : OpCode.multiRead;
      MultiRequestCodec.write(w, [...req.ops]);
      break;
    case "checkWatches":
    case "removeWatches":
      opcode = req.type === "checkWatches" ? OpCode.checkWatches : OpCode.removeWatches;
      PathIntCodec.write(w, { path: req.path, value: watcherTypeCodes[req.watcherType] });
      break;
    case "addWatch":
      opcode = OpCode.addWatch;
      PathIntCodec.write(w, { path: req.path, value: req.recursive ? 1 : 0 });
      break;
    case "setWatches": {
      const l = req.lists;
      opcode = req.version === 1 ? OpCode.setWatches : OpCode.setWatches2;
      const record = { relativeZxid: BigInt(req.relativeZxid), data: l.data ?? [], exist: l.exist ?? [], child: l.child ?? [] };
      if (req.version === 1) SetWatchesCodec.write(w, record);
      else SetWatches2Codec.write(w, { ...record, persistent: l.persistent ?? [], persistentRecursive: l.persistentRecursive ?? [] });
      break;
    }
    case "addAuth":
      opcode = OpCode.auth;
      AuthPacketCodec.write(w, { type: 0, scheme: req.scheme, auth: new TextEncoder().encode(req.auth) });
      break;
    case "raw":
      return { opcode: req.opcode, body: req.body };
    case "reconfig":
      // No joining, leaving or new members and curConfigId −1: the request ZooKeeper refuses when reconfig is off.
      opcode = OpCode.reconfig;
      w.int(-1).int(-1).int(-1).long(-1n);
      break;
    case "malformed":
    case "unreadable":
      throw new TypeError(`encodeRequest: a ${req.type} request is the server's reading of bytes that did not parse; it has no encoding`);
  }
  return { opcode, body: w.bytes() };
}
