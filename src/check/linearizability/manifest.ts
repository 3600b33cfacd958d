/** Manifests: `{"histories": [{file, format, model, initial, expected}, …]}`; unknown fields are ignored. */
import type { Value, Verdict } from "./types.js";
import { isHistoryFormat } from "./formats/index.js";
import type { HistoryFormat } from "./formats/index.js";
import { HistoryParseError } from "./formats/errors.js";

/** One history listed by a manifest. */
export interface ManifestEntry {
  /** Path relative to the manifest's folder. */
  readonly file: string;
  readonly format: HistoryFormat;
  readonly model: string;
  readonly initial?: Value;
  readonly expected?: Verdict;
}

const VERDICTS = new Set(["linearizable", "not-linearizable", "unknown"]);

/** Parses a manifest. @throws HistoryParseError naming the manifest, the entry's line and the problem. */
export function parseManifest(text: string, file: string): ManifestEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new HistoryParseError(file, 1, `invalid JSON: ${(error as Error).message}`);
  }
  const histories = doc !== null && typeof doc === "object" && !Array.isArray(doc) ? (doc as Record<string, unknown>)["histories"] : undefined;
  if (!Array.isArray(histories)) throw new HistoryParseError(file, 1, 'expected {"histories": [ … ]}');
  if (histories.length === 0) throw new HistoryParseError(file, 1, '"histories" is empty: a manifest must list at least one file');
  const lineOf = (index: number): number => {
    // The line of the index-th entry: count '"file"' keys (entries are objects with a file field).
    let seen = -1;
    let line = 1;
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) line++;
      else if (text.startsWith('"file"', i) && ++seen === index) return line;
    }
    return 1;
  };
  return histories.map((raw: unknown, index) => {
    const fail = (problem: string): never => {
      throw new HistoryParseError(file, lineOf(index), `histories[${index}]: ${problem}`);
    };
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) fail("expected an object");
    const e = raw as Record<string, unknown>;
    if (typeof e["file"] !== "string" || e["file"] === "") fail('"file" must be a non-empty path');
    if (typeof e["format"] !== "string" || !isHistoryFormat(e["format"])) fail(`"format" must be one of jepsen-edn, jepsen-etcd-log, kv-edn-lines, json (got ${JSON.stringify(e["format"])})`);
    if (typeof e["model"] !== "string") fail('"model" must name a model');
    const expected = e["expected"];
    if (expected !== undefined && expected !== null && (typeof expected !== "string" || !VERDICTS.has(expected))) {
      fail(`"expected" must be linearizable, not-linearizable or unknown (got ${JSON.stringify(expected)})`);
    }
    return {
      file: e["file"] as string,
      format: e["format"] as HistoryFormat,
      model: e["model"] as string,
      ...(e["initial"] !== undefined ? { initial: e["initial"] as Value } : {}),
      ...(typeof expected === "string" ? { expected: expected as Verdict } : {}),
    };
  });
}
