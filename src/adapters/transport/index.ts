/**
 * The TCP transport between quorate nodes: a versioned binary codec for every Raft and KRaft message,
 * length-prefixed frames, a handshake (cluster id, node ids, protocol version), reconnection with seeded jittered
 * backoff, bounded send queues. See docs/runtime.md.
 * @module
 */
export { DEFAULT_MAX_FRAME_BYTES, FrameReader, PROTOCOL_VERSION, decodeFrame, decodeMessage, encodeControl, encodeMessage } from "./codec.js";
export type { Family, FamilyMessage, Frame, Hello, MessageFrame, Refuse, Welcome } from "./codec.js";
export { DEFAULT_QUEUE_BYTES, DEFAULT_QUEUE_LIMIT, DEFAULT_UNREACHABLE_LIMIT, Transport, type PeerAddress, type TransportOptions, type TransportStats } from "./transport.js";
export { CodecError, type Decoded } from "../codec/bytes.js";
export { Backoff } from "./backoff.js";
