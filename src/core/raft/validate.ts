/**
 * Shape checks for messages arriving from the network: anything malformed is refused before it can touch
 * the state.
 * @module
 */
import type { Message } from "./types.js";

function nat(x: unknown): boolean {
  return typeof x === "number" && Number.isInteger(x) && x >= 0;
}

function pos(x: unknown): boolean {
  return typeof x === "number" && Number.isInteger(x) && x > 0;
}

function checkConfig(c: unknown): boolean {
  if (typeof c !== "object" || c === null) return false;
  const k = c as Record<string, unknown>;
  for (const f of ["voters", "votersOutgoing", "learners", "learnersNext"]) {
    const list = k[f];
    if (!Array.isArray(list) || !list.every(pos)) return false;
  }
  return typeof k.autoLeave === "boolean";
}

/** Returns why `m` is malformed, or undefined when it is well-formed. */
export function validateMessage(m: unknown): string | undefined {
  if (typeof m !== "object" || m === null) return "message must be an object";
  const x = m as Record<string, unknown> & Message;
  if (!pos(x.from) || !pos(x.to)) return "message from/to must be positive integer node ids";
  if (!nat(x.term)) return "message term must be a non-negative integer";
  switch (x.type) {
    case "vote":
    case "pre-vote":
      if (!nat(x.lastIndex) || !nat(x.lastTerm) || typeof x.transfer !== "boolean") return `${x.type}: lastIndex/lastTerm/transfer malformed`;
      return undefined;
    case "vote-response":
    case "pre-vote-response":
      return typeof x.reject === "boolean" ? undefined : `${x.type}: reject must be a boolean`;
    case "append": {
      if (!nat(x.prevIndex) || !nat(x.prevTerm) || !nat(x.commit) || !Array.isArray(x.entries)) {
        return "append: prevIndex/prevTerm/commit must be non-negative integers and entries an array";
      }
      let index = x.prevIndex;
      let term = x.prevTerm;
      for (const e of x.entries) {
        if (typeof e !== "object" || e === null) return "append: entries must be objects";
        if (e.index !== index + 1) return `append: entries must be contiguous after prevIndex (expected ${index + 1}, got ${e.index})`;
        if (!nat(e.term) || e.term < term || e.term > x.term) return `append: entry ${e.index} has term ${e.term} out of order`;
        if ((e.kind !== "normal" && e.kind !== "conf-change") || !(e.data instanceof Uint8Array)) {
          return `append: entry ${e.index} needs kind "normal"|"conf-change" and Uint8Array data`;
        }
        index = e.index;
        term = e.term;
      }
      return undefined;
    }
    case "append-response":
      if (typeof x.reject !== "boolean" || !nat(x.index) || !nat(x.hintIndex) || !nat(x.hintTerm)) return "append-response: fields malformed";
      return undefined;
    case "heartbeat":
      return nat(x.commit) && nat(x.context) ? undefined : "heartbeat: commit/context must be non-negative integers";
    case "heartbeat-response":
      return nat(x.context) ? undefined : "heartbeat-response: context must be a non-negative integer";
    case "snapshot": {
      const s = x.snapshot as unknown as Record<string, unknown> | null;
      if (typeof s !== "object" || s === null || !pos(s.index) || !pos(s.term) || !checkConfig(s.config)) {
        return "snapshot: metadata must have positive index/term and a configuration";
      }
      if (!nat(x.size) || !nat(x.offset) || !(x.data instanceof Uint8Array) || typeof x.done !== "boolean") return "snapshot: chunk fields malformed";
      if (x.offset + x.data.byteLength > x.size || (x.done && x.offset + x.data.byteLength !== x.size)) return "snapshot: chunk exceeds the snapshot size";
      return undefined;
    }
    case "snapshot-response":
      return nat(x.index) && nat(x.received) ? undefined : "snapshot-response: index/received must be non-negative integers";
    case "timeout-now":
      return undefined;
    default:
      return `unknown message type ${JSON.stringify((x as { type: unknown }).type)}`;
  }
}
