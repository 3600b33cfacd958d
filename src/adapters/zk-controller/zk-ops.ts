/**
 * The controller's ZooKeeper requests as quorate's ZooKeeper requests, and ZooKeeper's replies as the
 * controller's `zk-reply` fields: one translation shared by the simulated cluster (on the `zkCore` tree) and the
 * real processes (over the wire). Pure.
 * @module
 */
import type { ZkControllerInput, ZkRequest, ZkResultCode } from "../../core/zk-controller/index.js";
import { Code, OPEN_ACL_UNSAFE, fromUtf8, utf8 } from "../../core/zk/index.js";
import type { CreateRequest, MultiOp, MultiRequest, ReadRequest, Reply, SetDataRequest } from "../../core/zk/index.js";

/** The writes a controller sends (a check goes inside a multi only). */
export type ControllerWrite = CreateRequest | SetDataRequest | MultiRequest;

/** The fields of a `zk-reply` input besides its type and xid. */
export type ReplyFields = Omit<Extract<ZkControllerInput, { type: "zk-reply" }>, "type" | "xid">;

/** A create of `path` holding `data` (persistent, or ephemeral), open ACL. */
export function createRequest(path: string, data: string, ephemeral: boolean): CreateRequest {
  return { type: "create", opcode: 1, path, data: utf8(data), acl: OPEN_ACL_UNSAFE, flags: ephemeral ? 1 : 0, ttl: -1 };
}

/** Whether the controller's request only reads. */
export function isRead(req: ZkRequest): req is Extract<ZkRequest, { op: "getData" | "getChildren" | "exists" }> {
  return req.op === "getData" || req.op === "getChildren" || req.op === "exists";
}

/** A read of the controller as quorate's read request. */
export function toRead(req: Extract<ZkRequest, { op: "getData" | "getChildren" | "exists" }>): ReadRequest {
  return req.op === "getChildren" ? { type: "getChildren", path: req.path, watch: req.watch, withStat: false } : { type: req.op, path: req.path, watch: req.watch };
}

function toOp(req: ZkRequest): MultiOp {
  switch (req.op) {
    case "create":
      return createRequest(req.path, req.data, req.ephemeral);
    case "setData":
      return { type: "setData", path: req.path, data: utf8(req.data), version: req.version };
    case "check":
      return { type: "check", path: req.path, version: req.version };
    default:
      throw new Error(`${req.op} cannot be part of a multi`);
  }
}

/** A write of the controller (create, setData, check or multi) as quorate's write request. */
export function toWrite(req: ZkRequest): ControllerWrite {
  if (req.op === "multi") return { type: "multi", ops: req.ops.map(toOp) };
  return toOp(req) as ControllerWrite;
}

/** ZooKeeper's error code as the controller's result code. */
export function codeOf(err: number): ZkResultCode {
  if (err === Code.OK) return "ok";
  if (err === Code.NONODE) return "no-node";
  if (err === Code.NODEEXISTS) return "node-exists";
  if (err === Code.BADVERSION) return "bad-version";
  return "other";
}

/** A ZooKeeper reply as the controller's `zk-reply` fields (`request`: the write it answers, if any). */
export function fromReply(reply: Reply, request?: { readonly type: string }): ReplyFields {
  const body = reply.body;
  const isMulti = body?.kind === "multi";
  if ((reply.err !== Code.OK && !isMulti) || body === undefined) return { code: codeOf(reply.err) };
  switch (body.kind) {
    case "data":
      return { code: "ok", data: body.data === null ? "" : fromUtf8(body.data), version: body.stat.version };
    case "stat":
      return { code: "ok", version: body.stat.version };
    case "children":
      return { code: "ok", children: [...body.children] };
    case "multi": {
      const results = body.results.map((r) => (r.type === "error" ? { code: r.err === Code.RUNTIMEINCONSISTENCY ? ("other" as const) : codeOf(r.err) } : { code: "ok" as const, version: r.type === "setData" ? r.stat.version : 0 }));
      const failed = results.find((r) => r.code !== "ok" && r.code !== "other") ?? results.find((r) => r.code !== "ok");
      return { code: failed?.code ?? "ok", results };
    }
    default:
      return { code: "ok", version: request?.type === "create" ? 0 : undefined };
  }
}
