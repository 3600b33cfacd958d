/**
 * The peer codec: decode(encode(m)) deep-equals m for generated messages of every Raft, KRaft and ensemble kind; truncated
 * and garbage bytes give typed errors and never throw; frames longer than the limit are refused.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CodecError, FrameReader, decodeFrame, decodeMessage, encodeControl, encodeMessage, type Family } from "../../src/adapters/transport/index.js";
import { KRAFT_MESSAGE_TYPES } from "../../src/adapters/codec/kraft.js";
import { RAFT_MESSAGE_TYPES } from "../../src/adapters/codec/raft.js";
import { ENSEMBLE_MESSAGE_TYPES } from "../../src/adapters/codec/zk-ensemble.js";
import { ENSEMBLE_TYPES, KRAFT_TYPES, RAFT_TYPES, ensembleMessage, kraftMessage, raftMessage } from "./arbitraries.js";

const SEED = 31;

function roundTrip(family: Family, m: unknown): unknown {
  const frame = encodeMessage(family, m as never);
  const reader = new FrameReader();
  const r = reader.push(frame);
  if ("error" in r || r.frames.length !== 1) throw new Error("frame did not split");
  const f = decodeFrame(r.frames[0]!);
  if (!f.ok || f.value.type !== "message") throw new Error("not a message frame");
  const d = decodeMessage(family, f.value.body);
  if (!d.ok) throw d.error;
  return d.value;
}

describe(`message codec (fast-check seed ${SEED}; replay: npx vitest run test/transport/codec.test.ts)`, () => {
  it("the generators cover every message type of both cores", () => {
    expect([...RAFT_TYPES].sort()).toEqual([...RAFT_MESSAGE_TYPES].sort());
    expect([...KRAFT_TYPES].sort()).toEqual([...KRAFT_MESSAGE_TYPES].sort());
    expect([...ENSEMBLE_TYPES].sort()).toEqual([...ENSEMBLE_MESSAGE_TYPES].sort());
  });

  it("round-trips every ZooKeeper-ensemble message (family zk)", () => {
    fc.assert(fc.property(ensembleMessage, (m) => {
      expect(roundTrip("zk", m)).toEqual(m);
    }), { numRuns: 2000, seed: SEED + 4 });
  });

  it("round-trips every Raft message", () => {
    fc.assert(fc.property(raftMessage, (m) => {
      expect(roundTrip("raft", m)).toEqual(m);
    }), { numRuns: 2000, seed: SEED });
  });

  it("round-trips every KRaft message", () => {
    fc.assert(fc.property(kraftMessage, (m) => {
      expect(roundTrip("kraft", m)).toEqual(m);
    }), { numRuns: 2000, seed: SEED + 1 });
  });

  it("a truncated message body is a typed error, never an exception", () => {
    fc.assert(
      fc.property(fc.oneof(raftMessage.map((m) => ["raft", m] as const), kraftMessage.map((m) => ["kraft", m] as const), ensembleMessage.map((m) => ["zk", m] as const)), ([family, m]) => {
        const body = encodeMessage(family, m as never).subarray(5);
        for (let cut = 0; cut < body.length; cut++) {
          const d = decodeMessage(family, body.subarray(0, cut));
          expect(d.ok).toBe(false);
          if (!d.ok) expect(d.error).toBeInstanceOf(CodecError);
        }
      }),
      { numRuns: 300, seed: SEED + 2 },
    );
  });

  it("garbage bytes decode to a message or a typed error, never an exception", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom<Family>("raft", "kraft", "zk"), (bytes, family) => {
        const d = decodeMessage(family, bytes);
        if (!d.ok) expect(d.error).toBeInstanceOf(CodecError);
        const f = decodeFrame(bytes);
        if (!f.ok) expect(f.error).toBeInstanceOf(CodecError);
      }),
      { numRuns: 5000, seed: SEED + 3 },
    );
  });

  it("trailing bytes after a message are refused", () => {
    const body = encodeMessage("raft", { type: "timeout-now", from: 1, to: 2, term: 3 }).subarray(5);
    const d = decodeMessage("raft", Uint8Array.of(...body, 0));
    expect(d.ok ? "ok" : d.error.code).toBe("malformed");
  });
});

describe("frames", () => {
  it("splits a stream cut anywhere into the same frames", () => {
    const frames = [encodeControl({ type: "hello", version: 1, family: "raft", clusterId: "c", from: 1, to: 2 }), encodeMessage("raft", { type: "heartbeat", from: 1, to: 2, term: 5, commit: 9, context: 0 })];
    const stream = Uint8Array.from(frames.flatMap((f) => [...f]));
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new FrameReader();
      const a = reader.push(stream.subarray(0, cut));
      const b = reader.push(stream.subarray(cut));
      if ("error" in a || "error" in b) throw new Error("unexpected error");
      expect([...a.frames, ...b.frames].map((f) => [...f])).toEqual(frames.map((f) => [...f.subarray(4)]));
      expect(reader.buffered).toBe(0);
    }
  });

  it("refuses a frame longer than the limit as soon as its length is read", () => {
    const reader = new FrameReader(1000);
    const r = reader.push(Uint8Array.of(0, 0, 0x10, 0, 1));
    expect("error" in r && r.error.message).toMatch(/exceeds the limit of 1000/);
    expect("error" in new FrameReader().push(Uint8Array.of(0, 0, 0, 0)) ).toBe(true);
  });

  it("round-trips the handshake frames and refuses a bad magic", () => {
    for (const f of [
      { type: "hello", version: 1, family: "kraft", clusterId: "prod-1", from: 3, to: 1 },
      { type: "welcome", version: 1, clusterId: "prod-1", nodeId: 1 },
      { type: "refuse", reason: "cluster id 'x', ours is 'y'" },
    ] as const) {
      const d = decodeFrame(encodeControl(f).subarray(4));
      expect(d.ok && d.value).toEqual(f);
    }
    const hello = encodeControl({ type: "hello", version: 1, family: "raft", clusterId: "c", from: 1, to: 2 }).subarray(4);
    hello[1] = 0x58;
    const d = decodeFrame(hello);
    expect(!d.ok && d.error.message).toMatch(/magic/);
  });
});
