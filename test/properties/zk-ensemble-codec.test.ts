// The ensemble's frame encoder (`encodeFrame`: log entries, forwarded commands, snapshots) writes its JSON header
// byte by byte instead of copying the value and calling JSON.stringify. Property: for commands as the replica
// builds them and for any JSON-like value holding Uint8Arrays, it gives exactly the bytes of the generic
// encoding it replaced (written out below, independently of the code), so the log's bytes are unchanged.
// Replay a failure: ZK_CODEC_SEED=<seed printed below> npx vitest run test/properties/zk-ensemble-codec.test.ts
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame } from "../../src/core/zk-ensemble/index.js";
import { withReplay } from "../support/replay.js";

const seed = Number(process.env["ZK_CODEC_SEED"] ?? 20261205);

function withSeed(property: () => void): void {
  withReplay(`ZK_CODEC_SEED=${seed} npx vitest run test/properties/zk-ensemble-codec.test.ts`, property);
}

/** The generic encoding: a copy with every Uint8Array replaced by `{ $b: k }`, JSON.stringify, then the blobs. */
function genericFrame(value: unknown, stringify: (v: unknown) => string = JSON.stringify): Uint8Array {
  const blobs: Uint8Array[] = [];
  const extract = (v: unknown): unknown => {
    if (v === null || typeof v !== "object") return v;
    if (v instanceof Uint8Array) {
      blobs.push(v);
      return { $b: blobs.length - 1 };
    }
    if (Array.isArray(v)) return v.map(extract);
    const out: Record<string, unknown> = {};
    for (const key in v) out[key] = extract((v as Record<string, unknown>)[key]);
    return out;
  };
  const header = new TextEncoder().encode(stringify(extract(value)));
  const parts = [header, ...blobs];
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const p of parts) {
    view.setUint32(at, p.length);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}

const bytes = fc.uint8Array({ maxLength: 40 });
/** Strings that take every path of the encoder: printable ASCII, escapes, control characters, non-ASCII, lone surrogates. */
const text = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" }), fc.constantFrom("", '"', "\\", "\u007f", "\u0000", "\ud800", "é/ü", "a\nb"));
const number = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double(),
  fc.constantFrom(0, -0, 9, 10, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 1e8, 1e8 - 1, 1e10 + 7, 2 ** 53 - 1, 1e21, -1e-7, 2 ** 53, -(2 ** 53), Number.MAX_VALUE, Number.NaN, Number.POSITIVE_INFINITY),
);
const leaf = fc.oneof(text, number, fc.boolean(), fc.constant(null), fc.constant(undefined), bytes);
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(text, tie("value"), { maxKeys: 5 }),
  ),
}));

/** Commands shaped as the replica proposes them (`{ ...forwarded, time }`). */
const auth = fc.array(fc.record({ scheme: fc.constantFrom("ip", "digest", "world"), id: text }), { maxLength: 3 });
const request = fc.oneof(
  fc.record({ type: fc.constant("setData"), path: text, data: bytes, version: fc.integer({ min: -1, max: 2 ** 31 - 1 }) }),
  fc.record({
    type: fc.constant("create"),
    opcode: fc.constantFrom(1, 15, 19),
    path: text,
    data: fc.option(bytes, { nil: null }),
    acl: fc.array(fc.record({ perms: fc.nat(31), scheme: text, id: text }), { maxLength: 2 }),
    mode: fc.constantFrom("PERSISTENT", "EPHEMERAL_SEQUENTIAL"),
    ttl: fc.option(fc.maxSafeNat(), { nil: undefined }),
  }),
  fc.record({ type: fc.constant("delete"), path: text, version: fc.integer({ min: -1, max: 99 }) }),
  fc.record({ type: fc.constant("createSession"), sessionId: fc.maxSafeNat(), password: text, timeoutMs: fc.nat() }),
  fc.constant({ type: "closeSession" }),
);
const command = fc.record(
  {
    sessionId: fc.maxSafeNat(),
    xid: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    auth,
    request,
    origin: fc.nat(7),
    nonce: fc.nat(),
    expiry: fc.boolean(),
    time: fc.maxSafeNat(),
  },
  { requiredKeys: ["sessionId", "xid", "auth", "request", "origin", "time"] },
);

describe("encodeFrame writes the generic encoding's bytes", () => {
  it("for commands as the replica proposes them", () => {
    withSeed(() =>
      fc.assert(
        fc.property(command, (c) => {
          expect(encodeFrame(c)).toEqual(genericFrame(c));
        }),
        { seed, numRuns: 2000 },
      ),
    );
  });

  it("for any JSON-like value holding Uint8Arrays, and the decoder reads back what JSON keeps", () => {
    withSeed(() =>
      fc.assert(
        fc.property(value.filter((v) => v !== undefined), (v) => {
          const frame = encodeFrame(v);
          expect(frame).toEqual(genericFrame(v));
          expect(decodeFrame(frame)).toEqual(decodeFrame(genericFrame(v)));
        }),
        { seed, numRuns: 2000 },
      ),
    );
  });

  it("the comparison has teeth: a generic encoding with sorted keys is told apart", () => {
    const sortedKeys = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (x !== null && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x));
    const found = fc.check(
      fc.property(command, (c) => {
        expect(encodeFrame(c)).toEqual(genericFrame(c, sortedKeys));
      }),
      { seed, numRuns: 200 },
    );
    expect(found.failed).toBe(true);
  });

  it("a large header (a snapshot's) is written whole, and the next frame is not affected by it", () => {
    const big = { nodes: Array.from({ length: 30_000 }, (_, i) => [`/n${i}`, new Uint8Array([i & 0xff]), i, "é"]) };
    // Compared as one Buffer comparison: an element-by-element `toEqual` of 1 MiB takes seconds.
    expect(Buffer.compare(encodeFrame(big), genericFrame(big))).toBe(0);
    const small = { a: 1, b: new Uint8Array([7]) };
    expect(encodeFrame(small)).toEqual(genericFrame(small));
  });
});
