/**
 * Every request a client can send, and its size on ZooKeeper's wire (jute encoding, the frame after the 4-byte
 * length prefix). The server refuses frames above `jute.maxbuffer` (1,048,575 bytes) by closing the connection
 * without a reply — so the size limit is on the whole request, not only on the data.
 */
import { utf8Length } from "./bytes.js";
import { MAX_FRAME_BYTES } from "./limits.js";
import type { ReadRequest } from "./read.js";
import type { Acl, CreateRequest, Data, DeleteRequest, MalformedWriteRequest, MultiOp, MultiRequest, ReconfigRequest, SetAclRequest, SetDataRequest } from "./types.js";
import type { WatchLists, WatcherType } from "./watches.js";

/** Every request a session can send. */
export type ClientRequest =
  | CreateRequest
  | DeleteRequest
  | SetDataRequest
  | SetAclRequest
  | MultiRequest
  | ReadRequest
  | { readonly type: "checkWatches" | "removeWatches"; readonly path: string; readonly watcherType: WatcherType }
  | { readonly type: "addWatch"; readonly path: string; readonly recursive: boolean }
  | { readonly type: "setWatches"; readonly relativeZxid: number; readonly lists: WatchLists; readonly version: 1 | 2 }
  | { readonly type: "addAuth"; readonly scheme: string; readonly auth: string }
  | { readonly type: "closeSession" }
  /** A reconfig (opcode 16) with a well-formed body: a transaction that ZooKeeper refuses with RECONFIGDISABLED. */
  | ReconfigRequest
  /** A write whose body did not parse: ZooKeeper still logs it as an error transaction (MARSHALLINGERROR). */
  | MalformedWriteRequest
  /** A read whose body did not parse: answered with the error, no transaction. */
  | UnreadableRequest
  /** An opcode ZooKeeper does not know: UNIMPLEMENTED (zxid −1), then the connection closes. */
  | { readonly type: "raw"; readonly opcode: number; readonly body: Uint8Array };

/** A read request whose body did not parse (the wire layer's interpretation of the frame). */
export interface UnreadableRequest {
  readonly type: "unreadable";
  /** The error the reply carries (MARSHALLINGERROR). */
  readonly code: number;
}

const str = (s: string) => 4 + utf8Length(s);
const buf = (d: Data) => 4 + (d === null ? 0 : d.length);
const acls = (list: readonly Acl[]) => 4 + list.reduce((n, a) => n + 4 + str(a.scheme) + str(a.id), 0);
const strings = (list: readonly string[] | undefined) => 4 + (list ?? []).reduce((n, s) => n + str(s), 0);

function opBody(op: MultiOp | CreateRequest): number {
  switch (op.type) {
    case "create":
      return str(op.path) + buf(op.data) + acls(op.acl) + 4 + (op.opcode === 21 ? 8 : 0);
    case "delete":
    case "check":
      return str(op.path) + 4;
    case "setData":
      return str(op.path) + buf(op.data) + 4;
    case "getData":
    case "getChildren":
      return str(op.path) + 1;
  }
}

/** The jute size of a request's frame: 8 bytes of header (xid, type) plus the body. */
export function requestFrameLength(req: ClientRequest): number {
  const header = 8;
  switch (req.type) {
    case "create":
    case "delete":
    case "setData":
      return header + opBody(req);
    case "setACL":
      return header + str(req.path) + acls(req.acl) + 4;
    case "multi":
    case "multiRead":
      return header + req.ops.reduce((n, op) => n + 9 + opBody(op), 0) + 9;
    case "exists":
    case "getData":
    case "getChildren":
      return header + str(req.path) + 1;
    case "getACL":
    case "getAllChildrenNumber":
    case "sync":
      return header + str(req.path);
    case "getEphemerals":
      return header + str(req.prefix);
    case "whoAmI":
    case "closeSession":
      return header;
    case "checkWatches":
    case "removeWatches":
    case "addWatch":
      return header + str(req.path) + 4;
    case "setWatches": {
      const l = req.lists;
      const v2 = req.version === 2 ? strings(l.persistent) + strings(l.persistentRecursive) : 0;
      return header + 8 + strings(l.data) + strings(l.exist) + strings(l.child) + v2;
    }
    case "addAuth":
      return header + 4 + str(req.scheme) + 4 + utf8Length(req.auth);
    case "raw":
      return header + req.body.length;
    case "reconfig":
      // joiningServers, leavingServers, newMembers (three null strings) and curConfigId, as the Java client sends.
      return header + 3 * 4 + 8;
    case "malformed":
    case "unreadable":
      // Interpretations of frames the wire layer already read within the limit: their size is not kept.
      return header;
  }
}

/** Whether a server with `jute.maxbuffer` = {@link MAX_FRAME_BYTES} reads this request (else it drops the connection). */
export function fitsFrameLimit(req: ClientRequest, limit = MAX_FRAME_BYTES): boolean {
  return requestFrameLength(req) <= limit;
}

/** Jute encoding of a create's body (CreateRequest, or CreateTTLRequest when `withTtl`): what a wire client sends. */
export function encodeCreateBody(req: CreateRequest, withTtl: boolean): Uint8Array {
  const parts: number[] = [];
  const int = (n: number) => parts.push((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
  const bytes = (b: Uint8Array) => {
    for (const x of b) parts.push(x);
  };
  const str = (s: string) => {
    const b = new TextEncoder().encode(s);
    int(b.length);
    bytes(b);
  };
  str(req.path);
  if (req.data === null) int(-1);
  else {
    int(req.data.length);
    bytes(req.data);
  }
  int(req.acl.length);
  for (const a of req.acl) {
    int(a.perms);
    str(a.scheme);
    str(a.id);
  }
  int(req.flags);
  if (withTtl) {
    int(Math.floor(req.ttl / 2 ** 32));
    int(req.ttl >>> 0);
  }
  return Uint8Array.from(parts);
}

/**
 * Decodes a create body for `opcode` (21 expects the extra ttl field); `undefined` when the body is too short or
 * malformed — ZooKeeper then answers MARSHALLINGERROR (and, for a write, still uses a zxid).
 */
export function decodeCreateBody(opcode: 1 | 15 | 19 | 21, body: Uint8Array): CreateRequest | undefined {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let at = 0;
  const int = (): number | undefined => {
    if (at + 4 > body.length) return undefined;
    const v = view.getInt32(at);
    at += 4;
    return v;
  };
  const buffer = (): Uint8Array | null | undefined => {
    const len = int();
    if (len === undefined) return undefined;
    if (len < 0) return null;
    if (at + len > body.length) return undefined;
    // A copy: the body may be a Node Buffer (whose `slice` shares memory), and a node's data would keep the whole
    // received chunk alive for as long as the node lives.
    const b = new Uint8Array(body.subarray(at, at + len));
    at += len;
    return b;
  };
  const str = (): string | undefined => {
    const b = buffer();
    return b === undefined ? undefined : b === null ? "" : new TextDecoder().decode(b);
  };
  const path = str();
  const data = buffer();
  const count = int();
  if (path === undefined || data === undefined || count === undefined || count < 0) return undefined;
  const acl: Acl[] = [];
  for (let i = 0; i < count; i++) {
    const perms = int();
    const scheme = str();
    const id = str();
    if (perms === undefined || scheme === undefined || id === undefined) return undefined;
    acl.push({ perms, scheme, id });
  }
  const flags = int();
  if (flags === undefined) return undefined;
  let ttl = -1;
  if (opcode === 21) {
    if (at + 8 > body.length) return undefined;
    ttl = Number(view.getBigInt64(at));
  }
  return { type: "create", opcode, path, data, acl, flags, ttl };
}
