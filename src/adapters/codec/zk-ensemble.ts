/**
 * Binary encoding of the replicated ZooKeeper service's peer messages (`EnsembleMessage`): Raft's messages and the
 * service's own — a forwarded command, read-index requests and answers, session touches. Used by the transport's
 * `zk` family.
 *
 * Layout: `u8 tag` (raft, forward, read-index, read-index-response, touch — only ever appended), then for `raft`
 * the Raft message (`codec/raft.ts`); for the others from, to and their fields: a forwarded command is the log
 * entry encoding of `core/zk-ensemble/codec.ts` as a byte string, a read index is written as index + 1 (−1 = 0),
 * a touch is a list of session ids.
 * @module
 */
import type { EnsembleMessage, ForwardedCommand } from "../../core/zk-ensemble/index.js";
import { EnsembleCodecError, decodeFrame, encodeFrame } from "../../core/zk-ensemble/index.js";
import { CodecError, readBytes, readEnum, readMaybe, readUints, writeBytes, writeMaybe, writeUints, type ByteReader, type ByteWriter } from "./bytes.js";
import { readRaftMessage, writeRaftMessage } from "./raft.js";

/** Message tags, in wire order: never reorder, only append. */
export const ENSEMBLE_MESSAGE_TYPES: readonly EnsembleMessage["type"][] = ["raft", "forward", "read-index", "read-index-response", "touch"];

/** Writes one ensemble message. */
export function writeEnsembleMessage(w: ByteWriter, m: EnsembleMessage): void {
  const tag = ENSEMBLE_MESSAGE_TYPES.indexOf(m.type);
  if (tag < 0) throw new CodecError("malformed", `unknown ensemble message type ${String((m as { type?: unknown }).type)}`);
  w.u8(tag);
  if (m.type === "raft") {
    writeRaftMessage(w, m.message);
    return;
  }
  w.varUint(m.from);
  w.varUint(m.to);
  switch (m.type) {
    case "forward":
      writeBytes(w, encodeFrame(m.command));
      return;
    case "read-index":
      w.varUint(m.id);
      return;
    case "read-index-response":
      w.varUint(m.id);
      writeMaybe(w, m.index);
      return;
    case "touch":
      writeUints(w, m.sessions);
      return;
  }
}

/** Reads one ensemble message; throws {@link CodecError} for bytes no peer of this version writes. */
export function readEnsembleMessage(r: ByteReader): EnsembleMessage {
  const type = readEnum(r, ENSEMBLE_MESSAGE_TYPES, "ensemble message type");
  if (type === "raft") {
    const message = readRaftMessage(r);
    return { type, from: message.from, to: message.to, message };
  }
  const from = r.varUint();
  const to = r.varUint();
  switch (type) {
    case "forward":
      return { type, from, to, command: readCommand(readBytes(r)) };
    case "read-index":
      return { type, from, to, id: r.varUint() };
    case "read-index-response":
      return { type, from, to, id: r.varUint(), index: readMaybe(r) };
    case "touch":
      return { type, from, to, sessions: readUints(r) };
  }
}

function readCommand(bytes: Uint8Array): ForwardedCommand {
  let c: Partial<ForwardedCommand> | null;
  try {
    c = decodeFrame(bytes) as Partial<ForwardedCommand> | null;
  } catch (e) {
    if (e instanceof EnsembleCodecError) throw new CodecError("malformed", e.message);
    throw e;
  }
  const ok =
    c !== null && typeof c === "object" && typeof c.sessionId === "number" && typeof c.xid === "number" && typeof c.origin === "number" &&
    Array.isArray(c.auth) && typeof c.request === "object" && c.request !== null && typeof (c.request as { type?: unknown }).type === "string";
  if (!ok) throw new CodecError("malformed", "a forwarded command lacks sessionId, xid, origin, auth or request");
  return c as ForwardedCommand;
}
