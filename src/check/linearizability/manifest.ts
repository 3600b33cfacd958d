/** Manifests: `{"histories": [{file, format, model, initial, expected}, …]}`; unknown fields are ignored. */
import type { Value, Verdict } from "./types.js";
import type { HistoryFormat } from "./formats/index.js";
import { HistoryParseError } from "./formats/errors.js";
import * as manifestSchema from "../schema-validators/manifest.generated.js";
import { fieldName, schemaValidator } from "../schemas.js";

/** One history listed by a manifest. */
export interface ManifestEntry {
  /** Path relative to the manifest's folder. */
  readonly file: string;
  readonly format: HistoryFormat;
  readonly model: string;
  readonly initial?: Value;
  readonly expected?: Verdict;
}

/** Parses a manifest. @throws HistoryParseError naming the manifest, the entry's line and the problem. */
export function parseManifest(text: string, file: string): ManifestEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new HistoryParseError(file, 1, `invalid JSON: ${(error as Error).message}`);
  }
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
  // Shapes are checked by schemas/manifest.schema.json itself, so the documented schema cannot drift.
  const problem = schemaValidator(manifestSchema, "manifest.schema.json")(doc);
  if (problem !== undefined) {
    const [top, index, ...inner] = problem.path;
    if (top === "histories" && typeof index === "number") {
      throw new HistoryParseError(file, lineOf(index), `histories[${index}]: ${inner.length === 0 ? "the entry" : fieldName(inner)} ${problem.detail}`);
    }
    throw new HistoryParseError(file, 1, problem.path.length === 0 ? `expected {"histories": [ … ]}: the manifest ${problem.detail}` : problem.message);
  }
  const histories = (doc as { histories: unknown[] }).histories;
  return histories.map((raw: unknown) => {
    const e = raw as Record<string, unknown>;
    const expected = e["expected"];
    return {
      file: e["file"] as string,
      format: e["format"] as HistoryFormat,
      model: e["model"] as string,
      ...(e["initial"] !== undefined ? { initial: e["initial"] as Value } : {}),
      ...(typeof expected === "string" ? { expected: expected as Verdict } : {}),
    };
  });
}
