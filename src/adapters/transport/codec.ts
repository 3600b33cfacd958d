/**
 * The peer protocol's wire format, as pure functions: frames, the handshake and the message codec.
 *
 * A frame is `u32 BE length` (of what follows), `u8 frame type`, body. Frame types: `hello` (the dialer's
 * handshake: magic `QRAT`, protocol version, protocol family `raft`/`kraft`/`zk`, cluster id, its node id, the node
 * id it expects to reach), `welcome` (the listener accepts: version, cluster id, node id), `refuse` (the listener
 * refuses: a reason; it then closes) and `message` (one Raft, KRaft or ZooKeeper-ensemble message, encoded by
 * `codec/raft.ts`, `codec/kraft.ts` or `codec/zk-ensemble.ts` in the version agreed by the handshake). Decoders never throw: they return typed errors.
 * @module
 */
import { ByteReader, ByteWriter, CodecError, decodeWith, type Decoded } from "../codec/bytes.js";
import { readKRaftMessage, writeKRaftMessage } from "../codec/kraft.js";
import { readRaftMessage, writeRaftMessage } from "../codec/raft.js";
import { readEnsembleMessage, writeEnsembleMessage } from "../codec/zk-ensemble.js";
import type { EnsembleMessage } from "../../core/zk-ensemble/types.js";
import type { Message as RaftMessage } from "../../core/raft/types.js";
import type { Message as KRaftMessage } from "../../core/kraft/types.js";
import type { NodeMessage } from "../../core/kraft-node/types.js";
import { readNodeMessage, readZkKafkaMessage, writeNodeMessage, writeZkKafkaMessage, type ZkKafkaMessage } from "../codec/kafka.js";

/** Version of the peer protocol (handshake and message codec). A peer with another version is refused. */
export const PROTOCOL_VERSION = 1;
/** Default largest frame accepted or sent, in bytes. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
const MAGIC = [0x51, 0x52, 0x41, 0x54]; // "QRAT"

/**
 * Which core's messages a connection carries: `raft`, `kraft` (the quorum alone), `zk` (a ZooKeeper ensemble
 * member), `kafka` (a KRaft-mode Kafka node: quorum and broker-to-controller RPCs) or `zk-kafka` (a ZooKeeper-mode
 * broker's controller RPCs).
 */
export type Family = "raft" | "kraft" | "zk" | "kafka" | "zk-kafka";
/** The message type of a family. */
export type FamilyMessage<F extends Family> = F extends "raft" ? RaftMessage : F extends "kraft" ? KRaftMessage : F extends "zk" ? EnsembleMessage : F extends "kafka" ? NodeMessage : ZkKafkaMessage;

/** The dialer's handshake. */
export interface Hello {
  readonly type: "hello";
  readonly version: number;
  readonly family: Family;
  readonly clusterId: string;
  readonly from: number;
  readonly to: number;
}
/** The listener's acceptance. */
export interface Welcome {
  readonly type: "welcome";
  readonly version: number;
  readonly clusterId: string;
  readonly nodeId: number;
}
/** The listener's refusal (it closes the connection after sending it). */
export interface Refuse {
  readonly type: "refuse";
  readonly reason: string;
}
/** One encoded message (decoded separately with {@link decodeMessage}). */
export interface MessageFrame {
  readonly type: "message";
  readonly body: Uint8Array;
}
/** Every frame. */
export type Frame = Hello | Welcome | Refuse | MessageFrame;

const FRAME_TYPES: readonly Frame["type"][] = ["hello", "welcome", "refuse", "message"];
/** Family tags, in wire order: only ever appended. */
const FAMILIES: readonly Family[] = ["raft", "kraft", "zk", "kafka", "zk-kafka"];

const WRITERS: { readonly [F in Family]: (w: ByteWriter, m: FamilyMessage<F>) => void } = {
  raft: writeRaftMessage,
  kraft: writeKRaftMessage,
  zk: writeEnsembleMessage,
  kafka: writeNodeMessage,
  "zk-kafka": writeZkKafkaMessage,
};
const READERS: { readonly [F in Family]: (r: ByteReader) => FamilyMessage<F> } = {
  raft: readRaftMessage,
  kraft: readKRaftMessage,
  zk: readEnsembleMessage,
  kafka: readNodeMessage,
  "zk-kafka": readZkKafkaMessage,
};

function frame(type: Frame["type"], body: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter(64);
  for (let i = 0; i < 4; i++) w.u8(0);
  w.u8(FRAME_TYPES.indexOf(type));
  body(w);
  const out = w.finish();
  new DataView(out.buffer).setUint32(0, out.length - 4, false);
  return out;
}

/** Encodes a handshake frame. */
export function encodeControl(f: Hello | Welcome | Refuse): Uint8Array {
  switch (f.type) {
    case "hello":
      return frame("hello", (w) => {
        for (const b of MAGIC) w.u8(b);
        w.varUint(f.version);
        w.u8(FAMILIES.indexOf(f.family));
        w.string(f.clusterId);
        w.varUint(f.from);
        w.varUint(f.to);
      });
    case "welcome":
      return frame("welcome", (w) => {
        w.varUint(f.version);
        w.string(f.clusterId);
        w.varUint(f.nodeId);
      });
    case "refuse":
      return frame("refuse", (w) => w.string(f.reason));
  }
}

/** Encodes a message frame. Throws {@link CodecError} only for a message of an unknown type (a caller bug). */
export function encodeMessage<F extends Family>(family: F, m: FamilyMessage<F>): Uint8Array {
  const write = WRITERS[family] as (w: ByteWriter, m: FamilyMessage<F>) => void;
  return frame("message", (w) => write(w, m));
}

/** Decodes a message frame's body. */
export function decodeMessage<F extends Family>(family: F, body: Uint8Array): Decoded<FamilyMessage<F>> {
  return decodeWith(body, READERS[family] as (r: ByteReader) => FamilyMessage<F>);
}

/** Decodes one frame's content (type byte and body, without the length prefix). */
export function decodeFrame(content: Uint8Array): Decoded<Frame> {
  if (content.length === 0) return { ok: false, error: new CodecError("truncated", "empty frame") };
  const type = FRAME_TYPES[content[0]!];
  if (type === undefined) return { ok: false, error: new CodecError("malformed", `unknown frame type ${content[0]}`) };
  const body = content.subarray(1);
  switch (type) {
    case "message":
      return { ok: true, value: { type, body } };
    case "hello":
      return decodeWith(body, (r: ByteReader): Hello => {
        for (const b of MAGIC) if (r.u8() !== b) throw new CodecError("malformed", "bad handshake magic (not a quorate peer)");
        const version = r.varUint();
        const f = FAMILIES[r.u8()];
        if (f === undefined) throw new CodecError("malformed", "unknown protocol family");
        return { type, version, family: f, clusterId: r.string(), from: r.varUint(), to: r.varUint() };
      });
    case "welcome":
      return decodeWith(body, (r): Welcome => ({ type, version: r.varUint(), clusterId: r.string(), nodeId: r.varUint() }));
    case "refuse":
      return decodeWith(body, (r): Refuse => ({ type, reason: r.string() }));
  }
}

/**
 * Splits a byte stream into frames. `push` returns the complete frames' contents so far, or an error (a frame
 * longer than `maxFrameBytes`, or an empty one): the connection must then be closed.
 */
export class FrameReader {
  private buf = new Uint8Array(0);

  /** @param maxFrameBytes - largest frame content accepted */
  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** Bytes received but not yet part of a complete frame. */
  get buffered(): number {
    return this.buf.length;
  }

  /** Adds received bytes; returns the complete frames, or the error that ends the connection. */
  push(chunk: Uint8Array): { frames: Uint8Array[] } | { error: CodecError } {
    const joined = this.buf.length === 0 ? chunk : concat(this.buf, chunk);
    const frames: Uint8Array[] = [];
    let at = 0;
    while (joined.length - at >= 4) {
      const len = new DataView(joined.buffer, joined.byteOffset + at, 4).getUint32(0, false);
      if (len === 0) return { error: new CodecError("malformed", "empty frame") };
      if (len > this.maxFrameBytes) return { error: new CodecError("malformed", `frame of ${len} bytes exceeds the limit of ${this.maxFrameBytes}`) };
      if (joined.length - at - 4 < len) break;
      frames.push(joined.slice(at + 4, at + 4 + len));
      at += 4 + len;
    }
    this.buf = joined.slice(at);
    return { frames };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
