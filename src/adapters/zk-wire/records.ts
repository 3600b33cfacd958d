/**
 * The records of ZooKeeper 3.8's `zookeeper.jute` that clients and servers exchange, each as a {@link Codec}
 * (read + write). Field order and types are the jute file's. Longs a client chooses (session id, zxids, TTL) are
 * `bigint` so that any 64-bit value survives; longs the server reports (Stat, reply zxids) are numbers, which
 * quorate keeps within 2^53. Pure: no I/O.
 */
import type { Acl, CreateOpcode, CreateRequest, Data, MultiOp, OpResult, Stat } from "../../core/zk/index.js";
import { JuteError } from "./jute.js";
import type { JuteReader, JuteWriter } from "./jute.js";

/** Reads and writes one record type. */
export interface Codec<T> {
  readonly read: (r: JuteReader) => T;
  readonly write: (w: JuteWriter, value: T) => void;
}

/** ConnectRequest; `readOnly` is `undefined` when the client did not send the trailing byte (old clients). */
export interface ConnectRequest {
  readonly protocolVersion: number;
  readonly lastZxidSeen: bigint;
  readonly timeOut: number;
  readonly sessionId: bigint;
  readonly passwd: Data;
  readonly readOnly?: boolean;
}
/** ConnectResponse; `readOnly` is written only when defined (the server echoes it only to clients that sent it). */
export interface ConnectResponse {
  readonly protocolVersion: number;
  readonly timeOut: number;
  readonly sessionId: bigint;
  readonly passwd: Data;
  readonly readOnly?: boolean;
}
/** RequestHeader: the client's xid and the opcode. */
export interface RequestHeader {
  readonly xid: number;
  readonly type: number;
}
/** ReplyHeader: the xid answered, the server's zxid and the error code. */
export interface ReplyHeader {
  readonly xid: number;
  readonly zxid: number;
  readonly err: number;
}
/** MultiHeader: one op's type inside a multi (type −1 and done = true end the list). */
export interface MultiHeader {
  readonly type: number;
  readonly done: boolean;
  readonly err: number;
}
/** AuthPacket (addAuth). */
export interface AuthPacket {
  readonly type: number;
  readonly scheme: string;
  readonly auth: Data;
}
/** SetWatches (v1) and SetWatches2 (v2 adds the persistent lists). */
export interface SetWatchesRecord {
  readonly relativeZxid: bigint;
  readonly data: readonly string[];
  readonly exist: readonly string[];
  readonly child: readonly string[];
  readonly persistent?: readonly string[];
  readonly persistentRecursive?: readonly string[];
}
/** GetDataRequest, ExistsRequest, GetChildrenRequest, GetChildren2Request: a path and a watch flag. */
export interface PathWatchRequest {
  readonly path: string;
  readonly watch: boolean;
}
/** DeleteRequest, CheckVersionRequest: a path and an expected version. */
export interface PathVersionRequest {
  readonly path: string;
  readonly version: number;
}
/** SetDataRequest. */
export interface SetDataRecord {
  readonly path: string;
  readonly data: Data;
  readonly version: number;
}
/** SetACLRequest. */
export interface SetAclRecord {
  readonly path: string;
  readonly acl: readonly Acl[];
  readonly version: number;
}
/** AddWatchRequest (mode 0 = PERSISTENT, 1 = PERSISTENT_RECURSIVE), CheckWatchesRequest, RemoveWatchesRequest (type). */
export interface PathIntRequest {
  readonly path: string;
  readonly value: number;
}
/** WatcherEvent: a notification's type, keeper state and path. */
export interface WatcherEvent {
  readonly type: number;
  readonly state: number;
  readonly path: string;
}
/** GetDataResponse. */
export interface DataResponse {
  readonly data: Data;
  readonly stat: Stat;
}
/** GetChildren2Response (and GetChildrenResponse when `stat` is absent). */
export interface ChildrenResponse {
  readonly children: readonly string[];
  readonly stat?: Stat;
}
/** GetACLResponse. */
export interface AclResponse {
  readonly acl: readonly Acl[];
  readonly stat: Stat;
}
/** Create2Response. */
export interface Create2Response {
  readonly path: string;
  readonly stat: Stat;
}
/** ClientInfo (whoAmI). */
export interface ClientInfo {
  readonly scheme: string;
  readonly user: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Data records

/** Stat. */
export const StatCodec: Codec<Stat> = {
  read: (r) => ({
    czxid: r.longNumber(),
    mzxid: r.longNumber(),
    ctime: r.longNumber(),
    mtime: r.longNumber(),
    version: r.int(),
    cversion: r.int(),
    aversion: r.int(),
    ephemeralOwner: r.longNumber(),
    dataLength: r.int(),
    numChildren: r.int(),
    pzxid: r.longNumber(),
  }),
  write: (w, s) => {
    w.long(s.czxid).long(s.mzxid).long(s.ctime).long(s.mtime).int(s.version).int(s.cversion).int(s.aversion);
    w.long(s.ephemeralOwner).int(s.dataLength).int(s.numChildren).long(s.pzxid);
  },
};

/** ACL (perms and the Id record: scheme, id). */
export const AclCodec: Codec<Acl> = {
  read: (r) => ({ perms: r.int(), scheme: r.ustring(), id: r.ustring() }),
  write: (w, a) => void w.int(a.perms).ustring(a.scheme).ustring(a.id),
};

const aclList = {
  read: (r: JuteReader): Acl[] => r.vector(AclCodec.read) ?? [],
  write: (w: JuteWriter, acl: readonly Acl[]) => void w.vector(acl, AclCodec.write),
};

// ---------------------------------------------------------------------------------------------------------------
// Session and framing records

/** ConnectRequest, with the optional trailing readOnly byte. */
export const ConnectRequestCodec: Codec<ConnectRequest> = {
  read: (r) => {
    const base = { protocolVersion: r.int(), lastZxidSeen: r.long(), timeOut: r.int(), sessionId: r.long(), passwd: r.buffer() };
    return r.remaining > 0 ? { ...base, readOnly: r.bool() } : base;
  },
  write: (w, c) => {
    w.int(c.protocolVersion).long(c.lastZxidSeen).int(c.timeOut).long(c.sessionId).buffer(c.passwd);
    if (c.readOnly !== undefined) w.bool(c.readOnly);
  },
};

/** ConnectResponse, with the optional trailing readOnly byte. */
export const ConnectResponseCodec: Codec<ConnectResponse> = {
  read: (r) => {
    const base = { protocolVersion: r.int(), timeOut: r.int(), sessionId: r.long(), passwd: r.buffer() };
    return r.remaining > 0 ? { ...base, readOnly: r.bool() } : base;
  },
  write: (w, c) => {
    w.int(c.protocolVersion).int(c.timeOut).long(c.sessionId).buffer(c.passwd);
    if (c.readOnly !== undefined) w.bool(c.readOnly);
  },
};

/** RequestHeader. */
export const RequestHeaderCodec: Codec<RequestHeader> = {
  read: (r) => ({ xid: r.int(), type: r.int() }),
  write: (w, h) => void w.int(h.xid).int(h.type),
};

/** ReplyHeader. */
export const ReplyHeaderCodec: Codec<ReplyHeader> = {
  read: (r) => ({ xid: r.int(), zxid: r.longNumber(), err: r.int() }),
  write: (w, h) => void w.int(h.xid).long(h.zxid).int(h.err),
};

/** MultiHeader. */
export const MultiHeaderCodec: Codec<MultiHeader> = {
  read: (r) => ({ type: r.int(), done: r.bool(), err: r.int() }),
  write: (w, h) => void w.int(h.type).bool(h.done).int(h.err),
};

/** AuthPacket. */
export const AuthPacketCodec: Codec<AuthPacket> = {
  read: (r) => ({ type: r.int(), scheme: r.ustring(), auth: r.buffer() }),
  write: (w, a) => void w.int(a.type).ustring(a.scheme).buffer(a.auth),
};

/** SetWatches (opcode 101). */
export const SetWatchesCodec: Codec<SetWatchesRecord> = {
  read: (r) => ({ relativeZxid: r.long(), data: r.strings(), exist: r.strings(), child: r.strings() }),
  write: (w, s) => void w.long(s.relativeZxid).strings(s.data).strings(s.exist).strings(s.child),
};

/** SetWatches2 (opcode 105). */
export const SetWatches2Codec: Codec<SetWatchesRecord> = {
  read: (r) => ({
    relativeZxid: r.long(),
    data: r.strings(),
    exist: r.strings(),
    child: r.strings(),
    persistent: r.strings(),
    persistentRecursive: r.strings(),
  }),
  write: (w, s) => {
    w.long(s.relativeZxid).strings(s.data).strings(s.exist).strings(s.child);
    w.strings(s.persistent ?? []).strings(s.persistentRecursive ?? []);
  },
};

/** WatcherEvent (the body of a notification, xid −1). */
export const WatcherEventCodec: Codec<WatcherEvent> = {
  read: (r) => ({ type: r.int(), state: r.int(), path: r.ustring() }),
  write: (w, e) => void w.int(e.type).int(e.state).ustring(e.path),
};

// ---------------------------------------------------------------------------------------------------------------
// Request bodies

/** A record that is only a path: GetACLRequest, GetAllChildrenNumberRequest, SyncRequest, GetEphemeralsRequest. */
export const PathCodec: Codec<string> = {
  read: (r) => r.ustring(),
  write: (w, p) => void w.ustring(p),
};

/** GetDataRequest, ExistsRequest, GetChildrenRequest, GetChildren2Request. */
export const PathWatchCodec: Codec<PathWatchRequest> = {
  read: (r) => ({ path: r.ustring(), watch: r.bool() }),
  write: (w, p) => void w.ustring(p.path).bool(p.watch),
};

/** DeleteRequest, CheckVersionRequest. */
export const PathVersionCodec: Codec<PathVersionRequest> = {
  read: (r) => ({ path: r.ustring(), version: r.int() }),
  write: (w, p) => void w.ustring(p.path).int(p.version),
};

/** AddWatchRequest, CheckWatchesRequest, RemoveWatchesRequest. */
export const PathIntCodec: Codec<PathIntRequest> = {
  read: (r) => ({ path: r.ustring(), value: r.int() }),
  write: (w, p) => void w.ustring(p.path).int(p.value),
};

/** SetDataRequest. */
export const SetDataCodec: Codec<SetDataRecord> = {
  read: (r) => ({ path: r.ustring(), data: r.buffer(), version: r.int() }),
  write: (w, s) => void w.ustring(s.path).buffer(s.data).int(s.version),
};

/** SetACLRequest. */
export const SetAclCodec: Codec<SetAclRecord> = {
  read: (r) => ({ path: r.ustring(), acl: aclList.read(r), version: r.int() }),
  write: (w, s) => {
    w.ustring(s.path);
    aclList.write(w, s.acl);
    w.int(s.version);
  },
};

/** CreateRequest (opcodes 1, 15, 19) and CreateTTLRequest (21, with the trailing ttl), as the core's CreateRequest. */
export function createCodec(opcode: CreateOpcode): Codec<CreateRequest> {
  return {
    read: (r) => {
      const path = r.ustring();
      const data = r.buffer();
      const acl = aclList.read(r);
      const flags = r.int();
      // A TTL beyond 2^53 is far above ZooKeeper's 2^40 − 1 limit either way: the core answers BADARGUMENTS.
      const ttl = opcode === 21 ? r.longNumber() : -1;
      return { type: "create", opcode, path, data, acl, flags, ttl };
    },
    write: (w, c) => {
      w.ustring(c.path).buffer(c.data);
      aclList.write(w, c.acl);
      w.int(c.flags);
      if (opcode === 21) w.long(c.ttl);
    },
  };
}

const createCodecs = { 1: createCodec(1), 15: createCodec(15), 19: createCodec(19), 21: createCodec(21) } as const;

/** MultiOperationRecord (multi and multiRead): MultiHeader + op per operation, then the done header. */
export const MultiRequestCodec: Codec<MultiOp[]> = {
  read: (r) => {
    const ops: MultiOp[] = [];
    for (;;) {
      const start = r.offset;
      const h = MultiHeaderCodec.read(r);
      if (h.done) return ops;
      switch (h.type) {
        case 1:
        case 15:
        case 19:
        case 21:
          ops.push(createCodecs[h.type].read(r));
          break;
        case 2:
          ops.push({ type: "delete", ...PathVersionCodec.read(r) });
          break;
        case 5:
          ops.push({ type: "setData", ...SetDataCodec.read(r) });
          break;
        case 13:
          ops.push({ type: "check", ...PathVersionCodec.read(r) });
          break;
        case 4:
          ops.push({ type: "getData", path: PathWatchCodec.read(r).path });
          break;
        case 8:
          ops.push({ type: "getChildren", path: PathWatchCodec.read(r).path });
          break;
        default:
          throw new JuteError("invalid", start, `multi: invalid type of op ${h.type}`);
      }
    }
  },
  write: (w, ops) => {
    for (const op of ops) {
      switch (op.type) {
        case "create":
          MultiHeaderCodec.write(w, { type: op.opcode, done: false, err: -1 });
          createCodecs[op.opcode].write(w, op);
          break;
        case "delete":
          MultiHeaderCodec.write(w, { type: 2, done: false, err: -1 });
          PathVersionCodec.write(w, op);
          break;
        case "setData":
          MultiHeaderCodec.write(w, { type: 5, done: false, err: -1 });
          SetDataCodec.write(w, op);
          break;
        case "check":
          MultiHeaderCodec.write(w, { type: 13, done: false, err: -1 });
          PathVersionCodec.write(w, op);
          break;
        case "getData":
          MultiHeaderCodec.write(w, { type: 4, done: false, err: -1 });
          PathWatchCodec.write(w, { path: op.path, watch: false });
          break;
        case "getChildren":
          MultiHeaderCodec.write(w, { type: 8, done: false, err: -1 });
          PathWatchCodec.write(w, { path: op.path, watch: false });
          break;
      }
    }
    MultiHeaderCodec.write(w, { type: -1, done: true, err: -1 });
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Response bodies

/** ExistsResponse, SetDataResponse, SetACLResponse: a Stat. */
export const StatResponseCodec: Codec<Stat> = StatCodec;

/** CreateResponse and SyncResponse: a path. */
export const PathResponseCodec: Codec<string> = PathCodec;

/** Create2Response. */
export const Create2ResponseCodec: Codec<Create2Response> = {
  read: (r) => ({ path: r.ustring(), stat: StatCodec.read(r) }),
  write: (w, c) => {
    w.ustring(c.path);
    StatCodec.write(w, c.stat);
  },
};

/** GetDataResponse. */
export const DataResponseCodec: Codec<DataResponse> = {
  read: (r) => ({ data: r.buffer(), stat: StatCodec.read(r) }),
  write: (w, d) => {
    w.buffer(d.data);
    StatCodec.write(w, d.stat);
  },
};

/** GetChildrenResponse. */
export const ChildrenResponseCodec: Codec<ChildrenResponse> = {
  read: (r) => ({ children: r.strings() }),
  write: (w, c) => void w.strings(c.children),
};

/** GetChildren2Response. */
export const Children2ResponseCodec: Codec<ChildrenResponse> = {
  read: (r) => ({ children: r.strings(), stat: StatCodec.read(r) }),
  write: (w, c) => {
    w.strings(c.children);
    if (c.stat === undefined) throw new RangeError("GetChildren2Response needs a stat");
    StatCodec.write(w, c.stat);
  },
};

/** GetACLResponse. */
export const AclResponseCodec: Codec<AclResponse> = {
  read: (r) => ({ acl: aclList.read(r), stat: StatCodec.read(r) }),
  write: (w, a) => {
    aclList.write(w, a.acl);
    StatCodec.write(w, a.stat);
  },
};

/** GetAllChildrenNumberResponse and ErrorResponse: one int. */
export const IntCodec: Codec<number> = {
  read: (r) => r.int(),
  write: (w, n) => void w.int(n),
};

/** GetEphemeralsResponse: a list of paths. */
export const StringsCodec: Codec<readonly string[]> = {
  read: (r) => r.strings(),
  write: (w, s) => void w.strings(s),
};

/** WhoAmIResponse: the ClientInfo list. */
export const WhoAmICodec: Codec<readonly ClientInfo[]> = {
  read: (r) => r.vector((x) => ({ scheme: x.ustring(), user: x.ustring() })) ?? [],
  write: (w, list) => void w.vector(list, (x, c) => void x.ustring(c.scheme).ustring(c.user)),
};

const resultTypes: Record<OpResult["type"], number> = { create: 1, create2: 15, delete: 2, setData: 5, check: 13, getData: 4, getChildren: 8, error: -1 };

/** MultiResponse: MultiHeader + result per op (ErrorResponse for an error), then the done header. */
export const MultiResponseCodec: Codec<OpResult[]> = {
  read: (r) => {
    const results: OpResult[] = [];
    for (;;) {
      const start = r.offset;
      const h = MultiHeaderCodec.read(r);
      if (h.done) return results;
      switch (h.type) {
        case 1:
          results.push({ type: "create", path: r.ustring() });
          break;
        case 15:
          results.push({ type: "create2", ...Create2ResponseCodec.read(r) });
          break;
        case 2:
          results.push({ type: "delete" });
          break;
        case 13:
          results.push({ type: "check" });
          break;
        case 5:
          results.push({ type: "setData", stat: StatCodec.read(r) });
          break;
        case 4:
          results.push({ type: "getData", ...DataResponseCodec.read(r) });
          break;
        case 8:
          results.push({ type: "getChildren", children: r.strings() });
          break;
        case -1:
          results.push({ type: "error", err: r.int() });
          break;
        default:
          throw new JuteError("invalid", start, `multi response: invalid result type ${h.type}`);
      }
    }
  },
  write: (w, results) => {
    for (const res of results) {
      MultiHeaderCodec.write(w, { type: resultTypes[res.type], done: false, err: res.type === "error" ? res.err : 0 });
      switch (res.type) {
        case "create":
          w.ustring(res.path);
          break;
        case "create2":
          Create2ResponseCodec.write(w, res);
          break;
        case "setData":
          StatCodec.write(w, res.stat);
          break;
        case "getData":
          DataResponseCodec.write(w, res);
          break;
        case "getChildren":
          w.strings(res.children);
          break;
        case "error":
          w.int(res.err);
          break;
        case "delete":
        case "check":
          break;
      }
    }
    MultiHeaderCodec.write(w, { type: -1, done: true, err: -1 });
  },
};
