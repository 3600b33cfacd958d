/**
 * Every request a client can send, and its size on ZooKeeper's wire (jute encoding, the frame after the 4-byte
 * length prefix). The server refuses frames above `jute.maxbuffer` (1,048,575 bytes) by closing the connection
 * without a reply — so the size limit is on the whole request, not only on the data.
 */
import { utf8Length } from "./bytes.js";
import { MAX_FRAME_BYTES } from "./limits.js";
import type { ReadRequest } from "./read.js";
import type { Acl, CreateRequest, Data, DeleteRequest, MultiOp, MultiRequest, SetAclRequest, SetDataRequest } from "./types.js";
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
  | { readonly type: "raw"; readonly opcode: number; readonly body: Uint8Array };

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
  }
}

/** Whether a server with `jute.maxbuffer` = {@link MAX_FRAME_BYTES} reads this request (else it drops the connection). */
export function fitsFrameLimit(req: ClientRequest, limit = MAX_FRAME_BYTES): boolean {
  return requestFrameLength(req) <= limit;
}
