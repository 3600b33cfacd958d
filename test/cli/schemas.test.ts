// The schemas in schemas/ are the checks: each is a valid JSON Schema 2020-12 document (strict ajv), agrees with
// the code's lists, and what it forbids — and only the schema forbids — is refused with the field named.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { TRACE_RECORD_TYPES, TraceFormatError, parseTrace } from "../../src/check/invariants/index.js";
import { HistoryParseError, historyFormats, parseManifest, parseNativeJson } from "../../src/check/linearizability/index.js";
import { generatedValidatorsPath, schemaValidatorsSource } from "../../src/check/schema-codegen.js";

const root = path.resolve(import.meta.dirname, "../..");
const schema = (file: string) => JSON.parse(readFileSync(path.join(root, "schemas", file), "utf8")) as Record<string, unknown>;
const FILES = ["raft-trace.schema.json", "history.schema.json", "manifest.schema.json"];

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof HistoryParseError || e instanceof TraceFormatError) return e.message;
    throw e;
  }
  return "(accepted)";
}

describe("schemas/", () => {
  it("every schema file is valid under the 2020-12 meta-schema and compiles in strict mode", () => {
    for (const file of FILES) {
      const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, validateSchema: true });
      expect(() => ajv.compile(schema(file)), file).not.toThrow();
    }
  });

  it("the committed validators are exactly what ajv compiles from the schema files (regenerate: npx tsx scripts/generate-schema-validators.ts)", () => {
    for (const file of FILES) {
      const generated = generatedValidatorsPath(file);
      const committed = readFileSync(path.join(root, generated), "utf8");
      expect(committed === schemaValidatorsSource(file), `${generated} is stale`).toBe(true);
    }
  });

  it("a schema change reaches the validators: a copy of the schemas with one enum narrowed refuses what the original accepts", async () => {
    mkdirSync(path.join(root, "reports"), { recursive: true });
    const dir = mkdtempSync(path.join(root, "reports", "schema-mutant-")); // inside the package, so ajv's runtime resolves
    try {
      cpSync(path.join(root, "schemas"), path.join(dir, "schemas"), { recursive: true });
      const file = path.join(dir, "schemas", "manifest.schema.json");
      const mutant = JSON.parse(readFileSync(file, "utf8")) as { $defs: { entry: { properties: { format: { enum: string[] } } } } };
      mutant.$defs.entry.properties.format.enum = ["json"];
      writeFileSync(file, JSON.stringify(mutant));
      const source = schemaValidatorsSource("manifest.schema.json", pathToFileURL(path.join(dir, "schemas") + "/"));
      expect(source).not.toBe(schemaValidatorsSource("manifest.schema.json"));
      writeFileSync(path.join(dir, "validators.mjs"), source.replace("// @ts-nocheck\n", ""));
      const compiled = (await import(pathToFileURL(path.join(dir, "validators.mjs")).href)) as Record<string, (v: unknown) => boolean>;
      const edn = { histories: [{ file: "a.edn", format: "jepsen-edn", model: "register" }] };
      expect(compiled["manifest"]!(edn)).toBe(false);
      expect(compiled["manifest"]!({ histories: [{ file: "a.json", format: "json", model: "register" }] })).toBe(true);
      expect(problem(() => parseManifest(JSON.stringify(edn), "m.json"))).toBe("(accepted)"); // the real schema allows it
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the lists in the schemas are the lists in the code", () => {
    const manifest = schema("manifest.schema.json") as { $defs: { entry: { properties: { format: { enum: string[] } } } } };
    expect(manifest.$defs.entry.properties.format.enum).toEqual([...historyFormats]);
    expect(Object.keys((schema("raft-trace.schema.json") as { $defs: object }).$defs).sort()).toEqual([...TRACE_RECORD_TYPES].sort());
  });

  it("what only the schema forbids is refused, naming the field (native history)", () => {
    // A fractional process number passed the old hand-written check; the schema says integer or string.
    expect(problem(() => parseNativeJson(`[{"process": 1.5, "f": "read", "call": 0, "return": 1}]`, "h.json"))).toBe('h.json:1: operation 0: field "process" must be integer,string, got 1.5');
    expect(problem(() => parseNativeJson(`{"operations": [\n{"process": 1, "f": "read", "call": 0, "type": "done"}]}`, "h.json"))).toBe(
      'h.json:2: operation 0: field "type" must be one of "ok", "fail", "info"; got "done"',
    );
    expect(problem(() => parseNativeJson(`{"failedOps": "maybe", "operations": []}`, "h.json"))).toContain('field "failedOps" must be one of "did-not-happen", "completed"');
    expect(problem(() => parseNativeJson(`[{"process": 1, "f": "read", "call": 0, "return": 1}]`, "h.json"))).toBe("(accepted)");
  });

  it("what only the schema forbids is refused, naming the field (manifest)", () => {
    expect(problem(() => parseManifest(`{"histories": [{"file": "a", "format": "json", "model": "kv", "expected": "yes"}]}`, "m.json"))).toContain(
      'histories[0]: field "expected" must be one of "linearizable", "not-linearizable", "unknown", null; got "yes"',
    );
    expect(problem(() => parseManifest(`{"histories": [{"file": "", "format": "json", "model": "kv"}]}`, "m.json"))).toContain('histories[0]: field "file" must NOT have fewer than 1 characters');
    expect(problem(() => parseManifest(`{"histories": [{"file": "a", "format": "json", "model": "kv", "expected": null}]}`, "m.json"))).toBe("(accepted)");
  });

  it("what only the schema forbids is refused, naming the field (trace records)", () => {
    // The schema types a client record's key as a string and a message's ev as an enum; the old code did not.
    expect(problem(() => parseTrace(`{"type":"ok","t":1,"client":0,"id":1,"f":"read","key":7}`))).toBe('line 1: field "key" must be string, got 7');
    expect(problem(() => parseTrace(`{"type":"msg","t":1,"from":1,"to":2,"ev":"lost"}`))).toContain('field "ev" must be one of "send", "deliver", "drop", "dup"');
    expect(problem(() => parseTrace(`{"type":"durable","t":1,"node":1,"term":1,"vote":0,"entries":[]}`))).toBe('line 1: field "entries" needs "from"');
  });
});
