/**
 * The TCP transport between quorate nodes (the I/O half; the wire format is in `codec.ts`). Each node listens
 * (on 127.0.0.1 unless told otherwise) and dials every peer: messages to a peer go on the connection this node
 * dialed, messages from it arrive on the one it dialed. A dialed connection starts with a handshake (cluster id,
 * node ids, protocol family and version); a mismatch is refused with a reason and logged on both sides. Lost
 * connections are redialed with exponential backoff, jittered by a seeded PRNG. Each peer has a bounded send
 * queue, written as soon as the callback (or the run of promise reactions) that queued a message is done: the
 * messages queued meanwhile leave in one write, in the same turn of the event loop. A queue is bounded by frames
 * and by bytes; when it is full, new messages are dropped (the protocols tolerate loss) and counted. A peer that
 * is unreachable (a dial failed or the connection was lost, and no handshake completed since) does not accumulate
 * a backlog, as in etcd's rafthttp: its queue keeps only the newest `unreachableLimit` frames, older ones are
 * dropped and counted, and when a connection is lost the frames still queued are cut down to that tail too. A
 * garbage, oversized or lying frame closes that one connection; nothing a peer sends can throw out of the
 * transport.
 * @module
 */
import * as net from "node:net";
import { Backoff } from "./backoff.js";
import {
  DEFAULT_MAX_FRAME_BYTES,
  FrameReader,
  PROTOCOL_VERSION,
  decodeFrame,
  decodeMessage,
  encodeControl,
  encodeMessage,
  type Family,
  type FamilyMessage,
  type Hello,
} from "./codec.js";

/** Frames queued for a peer are written together up to this many bytes a write. */
const COALESCE_BYTES = 256 * 1024;

/** Default of {@link TransportOptions.queueLimit}. */
export const DEFAULT_QUEUE_LIMIT = 4096;
/** Default of {@link TransportOptions.queueBytes}: a few appends of 1 MiB (Raft's maxSizePerMsg on a node). */
export const DEFAULT_QUEUE_BYTES = 8 * 1024 * 1024;
/** Default of {@link TransportOptions.unreachableLimit}: the buffer of etcd's rafthttp pipeline. */
export const DEFAULT_UNREACHABLE_LIMIT = 64;

/** Where a peer listens. */
export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

/** Options of {@link Transport.start}. */
export interface TransportOptions<F extends Family> {
  /** Which core's messages are exchanged. */
  readonly family: F;
  /** Peers of another cluster are refused. */
  readonly clusterId: string;
  readonly nodeId: number;
  /** Listen address. Default 127.0.0.1. */
  readonly host?: string;
  /** Listen port. Default 0 (any free port: read {@link Transport.port}). */
  readonly port?: number;
  /** Peers to dial (more can be added with {@link Transport.setPeer}). */
  readonly peers?: ReadonlyMap<number, PeerAddress>;
  /** Called with each message received (from a peer that passed the handshake). */
  readonly onMessage: (message: FamilyMessage<F>) => void;
  /** Largest frame sent or accepted, in bytes. Default 16 MiB. */
  readonly maxFrameBytes?: number;
  /** Messages queued per peer before new ones are dropped. Default 4096. */
  readonly queueLimit?: number;
  /**
   * Bytes queued per peer before new messages are dropped (a message is always queued into an empty queue, so one
   * frame up to `maxFrameBytes` still goes). Default 8 MiB.
   */
  readonly queueBytes?: number;
  /**
   * Messages kept for a peer while it is unreachable (a dial failed or the connection was lost, and no handshake
   * completed since): the newest ones, within `queueBytes`; older ones are dropped, and a lost connection's
   * queue is cut down to them. Default 64. A protocol that does not resend what was lost (Kafka's
   * controller-to-broker requests) sets it to `queueLimit`: its queue then survives an outage, still within
   * `queueBytes`.
   */
  readonly unreachableLimit?: number;
  /** First redial delay in ms (doubled per failure up to `backoffMaxMs`, then jittered). Default 50. */
  readonly backoffInitialMs?: number;
  /** Longest redial delay in ms. Default 2000. */
  readonly backoffMaxMs?: number;
  /** Seed of the backoff jitter. Default: the node id. */
  readonly seed?: number;
  /** An accepted connection must complete its handshake within this many ms. Default 5000. */
  readonly handshakeTimeoutMs?: number;
  /** Where connection events and refusals are reported. Default: stderr. */
  readonly log?: (line: string) => void;
}

/** Counters of {@link Transport.stats}. */
export interface TransportStats {
  /** Messages written to a connection. */
  sent: number;
  /** Socket writes of messages (the messages queued by one callback, or one run of promise reactions, share one). */
  writes: number;
  /** Messages delivered to `onMessage`. */
  received: number;
  /**
   * Messages dropped: queue full (frames or bytes, peer connected), to or queued for an unreachable peer beyond
   * its tail (`unreachable`), larger than the frame limit, or to a peer with no address.
   */
  dropped: { queueFull: number; unreachable: number; oversized: number; noPeer: number };
  /** The most bytes ever queued for one peer (frames not yet handed to its socket). */
  peakQueuedBytes: number;
  /** Frames and bytes queued for each peer (by node id) when the stats were taken. */
  queued: Record<number, { frames: number; bytes: number }>;
  /** Connections closed because of a garbage, oversized or inconsistent frame. */
  badFrames: number;
  /** Incoming handshakes refused (wrong cluster, version, family or node id). */
  refused: number;
  /** Our handshakes the peer refused. */
  refusedByPeer: number;
  /** Handshakes completed on connections we dialed. */
  connects: number;
  /** Handshakes completed on connections we accepted. */
  accepted: number;
}

interface Link {
  address: PeerAddress;
  queue: Uint8Array[];
  /** Total length of the frames in `queue`. */
  queuedBytes: number;
  socket: net.Socket | undefined;
  ready: boolean;
  /**
   * A dial failed or the connection was lost, and no handshake completed since: the peer is unreachable. (A peer
   * being dialed for the first time is not: what is sent to it meanwhile is queued as for a connected one.)
   */
  down: boolean;
  backoff: Backoff;
  timer: NodeJS.Timeout | undefined;
  /** What the last failure was, so a peer that stays down is reported once, not at every redial. */
  lastFailure: string;
  /** A flush is scheduled for the end of the current callback. */
  flushScheduled: boolean;
}

/** A running transport: {@link Transport.start} it, {@link Transport.send} messages, {@link Transport.close} it. */
export class Transport<F extends Family> {
  private readonly links = new Map<number, Link>();
  private readonly inbound = new Set<net.Socket>();
  private readonly server: net.Server;
  private readonly log: (line: string) => void;
  private readonly maxFrame: number;
  private readonly queueLimit: number;
  private readonly queueBytes: number;
  private readonly unreachableLimit: number;
  private closed = false;
  private readonly counters: Omit<TransportStats, "queued"> = { sent: 0, writes: 0, received: 0, dropped: { queueFull: 0, unreachable: 0, oversized: 0, noPeer: 0 }, peakQueuedBytes: 0, badFrames: 0, refused: 0, refusedByPeer: 0, connects: 0, accepted: 0 };

  private constructor(private readonly o: TransportOptions<F>) {
    this.maxFrame = o.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.queueLimit = positive("queueLimit", o.queueLimit ?? DEFAULT_QUEUE_LIMIT);
    this.queueBytes = positive("queueBytes", o.queueBytes ?? DEFAULT_QUEUE_BYTES);
    this.unreachableLimit = Math.min(this.queueLimit, positive("unreachableLimit", o.unreachableLimit ?? DEFAULT_UNREACHABLE_LIMIT));
    const prefix = `transport[${o.nodeId}]`;
    this.log = o.log ?? ((line) => process.stderr.write(`${prefix}: ${line}\n`));
    this.server = net.createServer((s) => this.accept(s));
    this.server.on("error", (e) => this.log(`listener error: ${e.message}`));
  }

  /** Starts listening, then dials the peers given in the options. */
  static async start<F extends Family>(options: TransportOptions<F>): Promise<Transport<F>> {
    const t = new Transport(options);
    await new Promise<void>((resolve, reject) => {
      t.server.once("error", reject);
      t.server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
        t.server.off("error", reject);
        resolve();
      });
    });
    for (const [id, addr] of options.peers ?? []) t.setPeer(id, addr);
    return t;
  }

  /** The port this transport listens on. */
  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Counters (a copy), with what is queued for each peer now. */
  stats(): TransportStats {
    const queued: Record<number, { frames: number; bytes: number }> = {};
    for (const [id, link] of this.links) queued[id] = { frames: link.queue.length, bytes: link.queuedBytes };
    return { ...structuredClone(this.counters), queued };
  }

  /** Whether a handshake with `peer` completed on the connection we dialed and it is still open. */
  isConnected(peer: number): boolean {
    return this.links.get(peer)?.ready === true;
  }

  /** Adds or moves a peer; it is dialed at once. */
  setPeer(id: number, address: PeerAddress): void {
    if (this.closed || id === this.o.nodeId) return;
    const old = this.links.get(id);
    if (old !== undefined) {
      if (old.address.host === address.host && old.address.port === address.port) return;
      old.address = address;
      old.socket?.destroy();
      return;
    }
    // One jitter sequence per link, derived from the transport's seed and the peer id: reproducible.
    const backoff = new Backoff(((this.o.seed ?? this.o.nodeId) * 1_000_003 + id) >>> 0, this.o.backoffInitialMs ?? 50, this.o.backoffMaxMs ?? 2000);
    const link: Link = { address, queue: [], queuedBytes: 0, socket: undefined, ready: false, down: false, backoff, timer: undefined, lastFailure: "", flushScheduled: false };
    this.links.set(id, link);
    this.dial(id, link);
  }

  /**
   * Queues `message` for `message.to`. Best effort: returns false (and counts it) when the message is dropped
   * because the connected peer's queue is full, the frame would exceed the size limit, or the peer has no address.
   * To an unreachable peer it returns true and makes room by dropping the oldest queued frames instead.
   */
  send(message: FamilyMessage<F>): boolean {
    const link = this.links.get(message.to);
    if (link === undefined || this.closed) {
      this.counters.dropped.noPeer++;
      return false;
    }
    if (!link.down && link.queue.length >= this.queueLimit) {
      this.counters.dropped.queueFull++;
      return false;
    }
    const frame = encodeMessage(this.o.family, message);
    if (frame.length - 4 > this.maxFrame) {
      this.counters.dropped.oversized++;
      return false;
    }
    if (!link.down) {
      if (link.queue.length > 0 && link.queuedBytes + frame.length > this.queueBytes) {
        this.counters.dropped.queueFull++;
        return false;
      }
    } else {
      // An unreachable peer gets the newest frames when it is back, never a backlog of stale ones.
      this.trimUnreachable(link, this.unreachableLimit - 1, this.queueBytes - frame.length);
    }
    link.queue.push(frame);
    link.queuedBytes += frame.length;
    if (link.queuedBytes > this.counters.peakQueuedBytes) this.counters.peakQueuedBytes = link.queuedBytes;
    if (link.ready && !link.flushScheduled) {
      // The messages queued by this callback (the outputs of its steps), or by one run of promise reactions
      // (the acknowledgements of a group commit), leave in one write: one system call, not one per message.
      // process.nextTick runs as soon as that callback or run is done, before the event loop moves on (and
      // before the promise reactions a callback triggered: a leader's appends leave before its log write is
      // issued). A setImmediate queued from the check phase, where proposals are stepped, would wait a whole
      // loop iteration.
      link.flushScheduled = true;
      process.nextTick(() => {
        link.flushScheduled = false;
        this.flush(link);
      });
    }
    return true;
  }

  /**
   * Writes what is queued for every connected peer now instead of at the end of the current callback: for a
   * message that should not wait for the work the callback does next (a follower's acknowledgement, before it
   * applies entries).
   */
  flushAll(): void {
    for (const link of this.links.values()) if (link.queue.length > 0) this.flush(link);
  }

  private flush(link: Link): void {
    const s = link.socket;
    if (s === undefined || !link.ready || this.closed) return;
    const queue = link.queue;
    while (queue.length > 0 && !s.writableNeedDrain) {
      // Frames queued since the last flush leave together, up to COALESCE_BYTES a write (one frame at least).
      let n = 1;
      let bytes = queue[0]!.length;
      while (n < queue.length && bytes + queue[n]!.length <= COALESCE_BYTES) bytes += queue[n++]!.length;
      const frames = queue.splice(0, n);
      link.queuedBytes -= bytes;
      s.write(n === 1 ? frames[0]! : Buffer.concat(frames, bytes));
      this.counters.sent += n;
      this.counters.writes++;
    }
  }

  private dial(id: number, link: Link): void {
    link.timer = undefined;
    if (this.closed) return;
    const s = net.connect({ host: link.address.host, port: link.address.port });
    link.socket = s;
    link.ready = false;
    const reader = new FrameReader(this.maxFrame);
    s.setNoDelay(true);
    s.on("connect", () => {
      const hello: Hello = { type: "hello", version: PROTOCOL_VERSION, family: this.o.family, clusterId: this.o.clusterId, from: this.o.nodeId, to: id };
      s.write(encodeControl(hello));
    });
    s.on("data", (chunk: Buffer) => {
      const r = reader.push(chunk);
      if ("error" in r) return this.fail(link, s, `bad frame from peer ${id}: ${r.error.message}`, true);
      for (const content of r.frames) {
        const f = decodeFrame(content);
        if (!f.ok) return this.fail(link, s, `bad frame from peer ${id}: ${f.error.message}`, true);
        const v = f.value;
        if (link.ready || v.type === "hello" || v.type === "message") return this.fail(link, s, `unexpected ${v.type} frame from peer ${id}`, true);
        if (v.type === "refuse") {
          this.counters.refusedByPeer++;
          return this.fail(link, s, `peer ${id} at ${link.address.host}:${link.address.port} refused us: ${v.reason}`, false);
        }
        const why =
          v.version !== PROTOCOL_VERSION ? `protocol version ${v.version}, ours is ${PROTOCOL_VERSION}` : v.clusterId !== this.o.clusterId ? `cluster id '${v.clusterId}', ours is '${this.o.clusterId}'` : v.nodeId !== id ? `node id ${v.nodeId}, expected ${id}` : null;
        if (why !== null) return this.fail(link, s, `peer at ${link.address.host}:${link.address.port} answered with ${why}`, false);
        link.ready = true;
        link.down = false;
        link.backoff.reset();
        if (link.lastFailure !== "") this.log(`connected to peer ${id}`);
        link.lastFailure = "";
        this.counters.connects++;
        this.flush(link);
      }
    });
    s.on("drain", () => this.flush(link));
    s.on("error", (e) => this.report(link, `peer ${id} at ${link.address.host}:${link.address.port}: ${e.message}`));
    s.on("close", () => {
      if (link.socket !== s) return;
      link.socket = undefined;
      link.ready = false;
      link.down = true;
      // What could not be written before the connection was lost is stale by the time it is back.
      this.trimUnreachable(link, this.unreachableLimit, this.queueBytes);
      if (this.closed || this.links.get(id) !== link) return;
      link.timer = setTimeout(() => this.dial(id, link), link.backoff.next());
    });
  }

  /** Drops the oldest frames queued for `link` until at most `frames` frames and `bytes` bytes remain. */
  private trimUnreachable(link: Link, frames: number, bytes: number): void {
    let n = 0;
    let freed = 0;
    while (n < link.queue.length && (link.queue.length - n > frames || link.queuedBytes - freed > bytes)) freed += link.queue[n++]!.length;
    if (n === 0) return;
    link.queue.splice(0, n);
    link.queuedBytes -= freed;
    this.counters.dropped.unreachable += n;
  }

  private report(link: Link, line: string, always = false): void {
    if (always || line !== link.lastFailure) this.log(line);
    link.lastFailure = line;
  }

  private fail(link: Link, s: net.Socket, line: string, badFrame: boolean, always = false): void {
    if (badFrame) this.counters.badFrames++;
    this.report(link, line, always);
    s.destroy();
  }

  private accept(s: net.Socket): void {
    if (this.closed) {
      s.destroy();
      return;
    }
    this.inbound.add(s);
    const who = `${s.remoteAddress}:${s.remotePort}`;
    const reader = new FrameReader(this.maxFrame);
    let peer: Hello | undefined;
    let refused = false;
    s.setNoDelay(true);
    const timer = setTimeout(() => {
      this.log(`closing ${who}: no handshake within ${this.o.handshakeTimeoutMs ?? 5000} ms`);
      s.destroy();
    }, this.o.handshakeTimeoutMs ?? 5000);
    const bad = (why: string): void => {
      this.counters.badFrames++;
      this.log(`closing ${peer === undefined ? who : `peer ${peer.from} (${who})`}: ${why}`);
      s.destroy();
    };
    s.on("data", (chunk: Buffer) => {
      if (s.destroyed || refused) return;
      const r = reader.push(chunk);
      if ("error" in r) return bad(r.error.message);
      for (const content of r.frames) {
        const f = decodeFrame(content);
        if (!f.ok) return bad(f.error.message);
        const v = f.value;
        if (peer === undefined) {
          if (v.type !== "hello") return bad(`a ${v.type} frame before the handshake`);
          const why =
            v.version !== PROTOCOL_VERSION
              ? `protocol version ${v.version}, ours is ${PROTOCOL_VERSION}`
              : v.family !== this.o.family
                ? `protocol family ${v.family}, ours is ${this.o.family}`
                : v.clusterId !== this.o.clusterId
                  ? `cluster id '${v.clusterId}', ours is '${this.o.clusterId}'`
                  : v.to !== this.o.nodeId
                    ? `it wants node ${v.to}, this is node ${this.o.nodeId}`
                    : v.from === this.o.nodeId
                      ? `it claims our own node id ${v.from}`
                      : null;
          if (why !== null) {
            refused = true;
            this.counters.refused++;
            this.log(`refused connection from node ${v.from} (${who}): ${why}`);
            clearTimeout(timer);
            s.end(encodeControl({ type: "refuse", reason: why }));
            // The refusal is flushed by end(); a peer that keeps its side open is cut off a little later.
            setTimeout(() => s.destroy(), 1000).unref();
            return;
          }
          peer = v;
          clearTimeout(timer);
          this.counters.accepted++;
          s.write(encodeControl({ type: "welcome", version: PROTOCOL_VERSION, clusterId: this.o.clusterId, nodeId: this.o.nodeId }));
          continue;
        }
        if (v.type !== "message") return bad(`a ${v.type} frame after the handshake`);
        const m = decodeMessage(this.o.family, v.body);
        if (!m.ok) return bad(`undecodable message: ${m.error.message}`);
        if (m.value.from !== peer.from || m.value.to !== this.o.nodeId) return bad(`a message from ${m.value.from} to ${m.value.to} on the connection of ${peer.from} to ${this.o.nodeId}`);
        this.counters.received++;
        try {
          this.o.onMessage(m.value);
        } catch (e) {
          this.log(`onMessage threw: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    });
    s.on("error", () => undefined); // 'close' follows; a reset by a peer is not worth a line
    s.on("close", () => {
      clearTimeout(timer);
      this.inbound.delete(s);
    });
  }

  /** Stops listening, closes every connection and cancels redials. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const link of this.links.values()) {
      if (link.timer !== undefined) clearTimeout(link.timer);
      link.socket?.destroy();
    }
    for (const s of this.inbound) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function positive(name: string, n: number): number {
  if (!(n >= 1)) throw new RangeError(`transport option ${name} must be at least 1, got ${n}`);
  return n;
}
