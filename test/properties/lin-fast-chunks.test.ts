// The fast path of `check --manifest` reads a file's text in chunks cut where lines end (`textChunks`), so that
// no history is one large string in V8's heap. Property: on every recorded history, chunks cut at any line ends
// encode exactly as the whole text does; cut inside a line, the fast path declines (never a different encoding).
// Replay a failure: LIN_FAST_SEED=<seed printed below> npx vitest run test/properties/lin-fast-chunks.test.ts
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeHistory } from "../../src/check/linearizability/fast/encode.js";
import type { FastModelName } from "../../src/check/linearizability/fast/encode.js";
import { fastVerdict, fastVerdictOfBytes, textChunks } from "../../src/check/linearizability/fast/index.js";
import { withReplay } from "../support/replay.js";

const seed = Number(process.env["LIN_FAST_SEED"] ?? 20261205);
const recordedDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../data/histories/recorded");
const manifest = JSON.parse(readFileSync(path.join(recordedDir, "expected.json"), "utf8")) as { histories: { file: string; model: FastModelName }[] };
const recorded = manifest.histories.map(({ file, model }) => ({ file, model, bytes: readFileSync(path.join(recordedDir, file)) }));
/** The chunk size `textChunks` keeps under (48 KiB), written here independently of the code. */
const CHUNK_LIMIT = 48 * 1024;

function withSeed(property: () => void): void {
  withReplay(`LIN_FAST_SEED=${seed} npx vitest run test/properties/lin-fast-chunks.test.ts`, property);
}

/** `text` cut at the offsets `cuts` (any order, duplicates ignored). */
function cutAt(text: string, cuts: readonly number[]): string[] {
  const at = [...new Set(cuts)].filter((c) => c > 0 && c < text.length).sort((a, b) => a - b);
  return [0, ...at].map((from, i) => text.slice(from, at[i] ?? text.length));
}

describe("the fast path's chunked reading", () => {
  it("cuts every recorded history into line-ended chunks under the limit that join to its text", () => {
    expect(recorded.length).toBeGreaterThanOrEqual(30);
    for (const { file, bytes } of recorded) {
      const chunks = textChunks(bytes);
      expect(chunks, file).toBeDefined();
      expect(chunks!.length, file).toBeGreaterThan(bytes.length / CHUNK_LIMIT - 1);
      expect(chunks!.length, file).toBeGreaterThan(1);
      for (const chunk of chunks!.slice(0, -1)) expect(chunk.endsWith("\n"), file).toBe(true);
      for (const chunk of chunks!) expect(Buffer.byteLength(chunk), file).toBeLessThanOrEqual(CHUNK_LIMIT);
      expect(chunks!.join(""), file).toBe(bytes.toString("utf8"));
    }
  });

  it("gives each recorded history the verdict and op count of its whole text", () => {
    for (const { file, model, bytes } of recorded) {
      const whole = fastVerdict(bytes.toString("utf8"), model, undefined);
      expect(whole, file).toBeDefined();
      expect(fastVerdictOfBytes(bytes, model, undefined), file).toEqual(whole);
    }
  });

  it("encodes chunks cut at any line ends exactly as the whole text", () => {
    withSeed(() =>
      fc.assert(
        fc.property(fc.integer({ min: 0, max: recorded.length - 1 }), fc.array(fc.nat(), { maxLength: 12 }), (which, picks) => {
          const { file, model, bytes } = recorded[which]!;
          const text = bytes.toString("utf8");
          const lineEnds = [...text.matchAll(/\n/g)].map((m) => m.index + 1);
          const chunks = cutAt(text, picks.map((p) => lineEnds[p % lineEnds.length]!));
          expect(encodeHistory(chunks, model), file).toEqual(encodeHistory(text, model));
        }),
        { seed, numRuns: 25 },
      ),
    );
  });

  it("declines chunks cut inside an op map, rather than read them differently", () => {
    withSeed(() =>
      fc.assert(
        fc.property(fc.integer({ min: 0, max: recorded.length - 1 }), fc.nat(), (which, pick) => {
          const { file, model, bytes } = recorded[which]!;
          const text = bytes.toString("utf8");
          // Offsets strictly inside an op map: after its "{" and before its "}".
          const opens = [...text.matchAll(/\{:type/g)].map((m) => m.index);
          const cut = opens[pick % opens.length]! + 1 + (pick % 30);
          expect(encodeHistory(cutAt(text, [cut]), model), `${file} cut at ${cut}`).toBeUndefined();
        }),
        { seed, numRuns: 60 },
      ),
    );
  });

  it("reads a first chunk of nothing but a comment, as a long header cut off on its own", () => {
    const text = "; a header\n[{:type :invoke, :f :write, :value 1, :process 0}\n {:type :ok, :f :write, :value 1, :process 0}]\n";
    const whole = encodeHistory(text, "cas-register");
    expect(whole).toBeDefined();
    expect(encodeHistory(cutAt(text, [text.indexOf("\n") + 1]), "cas-register")).toEqual(whole);
    expect(encodeHistory(["; a header\n", "; more\n", text.slice(text.indexOf("\n") + 1)], "cas-register")).toEqual(whole);
    expect(encodeHistory(["; a header\n", "x\n", text.slice(text.indexOf("\n") + 1)], "cas-register")).toBeUndefined();
    expect(encodeHistory(["; only a comment\n"], "cas-register")).toBeUndefined();
  });

  it("declines a chunk that ends in anything but separators", () => {
    const text = "[{:type :invoke, :f :write, :value 1, :process 0}\n {:type :ok, :f :write, :value 1, :process 0}]\n";
    expect(encodeHistory([text], "cas-register")).toBeDefined();
    expect(encodeHistory(cutAt(text, [text.indexOf("\n") + 1]), "cas-register")).toBeDefined();
    const junk = text.replace("}\n", "} x\n");
    expect(encodeHistory([junk], "cas-register")).toBeUndefined();
    expect(encodeHistory(cutAt(junk, [junk.indexOf("\n") + 1]), "cas-register")).toBeUndefined();
  });

  it("leaves files the general path must judge to it: NUL, not UTF-8, a byte-order mark inside, a line longer than a chunk", () => {
    const line = '{:type :invoke, :f :put, :key "k", :value "x", :process 0}\n{:type :ok, :f :put, :key "k", :value "x", :process 0}\n';
    const puts = Math.ceil((2 * CHUNK_LIMIT) / line.length);
    const body = line.repeat(puts);
    const good = Buffer.from(`[${body}]\n`);
    expect(textChunks(good)!.length).toBeGreaterThan(2);
    expect(fastVerdictOfBytes(good, "kv", undefined)).toEqual({ verdict: "linearizable", ops: puts });
    const withNul = Buffer.from(good);
    withNul[10] = 0;
    expect(textChunks(withNul)).toBeUndefined();
    const notUtf8 = Buffer.from(good);
    notUtf8[CHUNK_LIMIT + 5] = 0xff;
    expect(textChunks(notUtf8)).toBeUndefined();
    // A BOM at a chunk's start would be dropped by the decoder: the fast path declines instead.
    const chunkStart = Buffer.byteLength(textChunks(good)![0]!);
    const withBom = Buffer.concat([good.subarray(0, chunkStart), Buffer.from([0xef, 0xbb, 0xbf]), good.subarray(chunkStart)]);
    expect(textChunks(withBom)).toBeUndefined();
    // At the file's start the BOM is dropped, as decodeHistoryText drops it.
    expect(textChunks(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), good]))!.join("")).toBe(good.toString("utf8"));
    const longLine = Buffer.from(`[${body.replaceAll("\n", " ")}]\n`);
    expect(textChunks(longLine)).toBeUndefined();
    expect(fastVerdictOfBytes(Buffer.from(""), "kv", undefined)).toBeUndefined();
  });
});
