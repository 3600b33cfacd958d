/**
 * The JSON Schemas of `schemas/` as validators (ajv, JSON Schema 2020-12), so that the documented schema and
 * the checks cannot drift: the parsers of traces, native histories and manifests validate with the schema
 * files themselves. Each schema file is read and compiled once, on first use (a history in another format
 * never pays for it), and ajv's errors are turned into one sentence naming the field.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Ajv2020, ErrorObject, ValidateFunction } from "ajv/dist/2020.js";

/** The schema files quorate validates with (in the package's `schemas/` folder). */
export type SchemaFile = "raft-trace.schema.json" | "history.schema.json" | "manifest.schema.json";

/** Why a value does not match a schema: the path of the offending field and the problem in words. */
export interface SchemaProblem {
  /** JSON Pointer segments of the field (`["operations", 3, "call"]`); empty for the value itself. */
  readonly path: readonly (string | number)[];
  /** What is wrong with that field: `must be number, got "soon"`. */
  readonly detail: string;
  /** One sentence: `field "operations"[3].call must be number, got "soon"` (see {@link fieldName}). */
  readonly message: string;
}

/** Validates a value against one definition of a schema; `undefined` when it matches. */
export type SchemaValidator = (value: unknown) => SchemaProblem | undefined;

interface SchemaDocument {
  readonly $id: string;
  readonly $defs?: Record<string, Record<string, unknown>>;
  readonly [keyword: string]: unknown;
}

const documents = new Map<SchemaFile, SchemaDocument>();
const validators = new Map<string, SchemaValidator>();
let compiler: Ajv2020 | undefined;

/** The schema file's JSON. `src/check/` and `dist/check/` both sit two folders below `schemas/`'s parent. */
export function schemaDocument(file: SchemaFile): SchemaDocument {
  let doc = documents.get(file);
  if (doc === undefined) {
    doc = JSON.parse(readFileSync(new URL(`../../schemas/${file}`, import.meta.url), "utf8")) as SchemaDocument;
    documents.set(file, doc);
  }
  return doc;
}

/**
 * ajv, loaded on first use: the simulator and the checker import this module's callers without ever
 * validating a schema, and should not pay for ajv's start-up. The schema files themselves are checked against
 * the JSON Schema meta-schema by a test, not on every run.
 */
function ajv(): Ajv2020 {
  if (compiler === undefined) {
    const { Ajv2020: Ajv } = createRequire(import.meta.url)("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
    compiler = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, validateSchema: false, code: { optimize: false } });
  }
  return compiler;
}

/** The names of a schema file's `$defs` (e.g. the trace record types). */
export function schemaDefinitions(file: SchemaFile): string[] {
  return Object.keys(schemaDocument(file).$defs ?? {});
}

/**
 * A validator for the whole schema file, or for one of its `$defs` when `definition` is given (compiled once,
 * on first use, with the file's `$defs` so its local references resolve).
 */
export function schemaValidator(file: SchemaFile, definition?: string): SchemaValidator {
  const key = `${file}#${definition ?? ""}`;
  let validator = validators.get(key);
  if (validator === undefined) {
    const doc = schemaDocument(file);
    const { $schema: _dialect, $id: _id, ...whole } = doc;
    const target = definition === undefined ? whole : doc.$defs?.[definition];
    if (target === undefined) throw new Error(`schemas/${file} has no definition ${JSON.stringify(definition)}`);
    const validate = ajv().compile({ ...target, $defs: doc.$defs ?? {} });
    validator = (value) => (validate(value) ? undefined : describeError(validate, value));
    validators.set(key, validator);
  }
  return validator;
}

function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** `field "entries"[0][1]`, or `the value` for the root. */
export function fieldName(path: readonly (string | number)[]): string {
  if (path.length === 0) return "the value";
  const [first, ...rest] = path;
  return `field ${JSON.stringify(String(first))}${rest.map((s) => (typeof s === "number" ? `[${s}]` : `.${s}`)).join("")}`;
}

/** A value in a message: JSON, cut to 60 characters; never throws (a value may nest too deeply to print). */
function show(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = Array.isArray(value) ? "[…]" : "{…}";
  }
  if (text === undefined) return "nothing";
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  let v = value;
  for (const s of path) v = v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[s] : undefined;
  return v;
}

function problem(path: readonly (string | number)[], detail: string): SchemaProblem {
  return { path, detail, message: `${fieldName(path)} ${detail}` };
}

function describeError(validate: ValidateFunction, value: unknown): SchemaProblem {
  // Of all errors, name the plainest: a field given with a wrong type or value, then a missing field, then a
  // conditional requirement (`if`/`then`/`else`) that the same mistake may have triggered.
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== "if");
  const conditional = (e: ErrorObject): boolean => /\/(then|else)\//.test(e.schemaPath);
  const error = errors.find((e) => !conditional(e) && e.keyword !== "required") ?? errors.find((e) => !conditional(e)) ?? errors[0];
  if (error === undefined) return problem([], "does not match the schema");
  const path = pointerSegments(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const got = show(valueAt(value, path));
  switch (error.keyword) {
    case "required":
      return problem([...path, String(params["missingProperty"])], "is required");
    case "dependentRequired":
      return problem([...path, String(params["property"])], `needs ${JSON.stringify(String(params["missingProperty"]))}`);
    case "additionalProperties":
      return problem([...path, String(params["additionalProperty"])], "is not allowed here");
    case "enum":
      return problem(path, `must be one of ${(params["allowedValues"] as unknown[]).map((v) => JSON.stringify(v)).join(", ")}; got ${got}`);
    case "const":
      return problem(path, `must be ${JSON.stringify(params["allowedValue"])}; got ${got}`);
    default:
      return problem(path, `${error.message ?? "does not match the schema"}, got ${got}`);
  }
}
