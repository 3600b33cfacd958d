/**
 * The JSON Schemas of `schemas/` as validators (ajv, JSON Schema 2020-12), so that the documented schema and
 * the checks cannot drift: the parsers of traces, native histories and manifests validate with the schema
 * files themselves. ajv compiles them ahead of time into one module per schema file,
 * `schema-validators/<name>.generated.ts` (a test regenerates them from the schema files and fails on any
 * difference; see `schema-codegen.ts`), so no run pays for ajv's compiler, and each caller imports the module of
 * the schema it validates with (a command loads no other schema's code); ajv's errors are turned here into one
 * sentence naming the field.
 */
import type { ErrorObject } from "ajv/dist/2020.js";
import { validatorName } from "./schema-codegen-names.js";

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

/** A validator function as ajv generates it: true or false, with the errors of the last call. */
interface CompiledValidator {
  (value: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/**
 * The generated module of one schema file (`import * as m from "…/schema-validators/<name>.generated.js"`): its
 * exports are the compiled validators, named by `validatorName`.
 */
export type CompiledSchema = Readonly<Record<string, unknown>>;

const validators = new Map<string, SchemaValidator>();

/** The `$defs` of schema file `file` that have a validator in `compiled`, its generated module (for the trace schema: every record type). */
export function schemaDefinitions(compiled: CompiledSchema, file: SchemaFile): string[] {
  const prefix = `${validatorName(file, "")}__`;
  return Object.keys(compiled)
    .filter((name) => name.startsWith(prefix))
    .map((name) => name.slice(prefix.length));
}

/**
 * A validator for the whole schema file `file`, or for one of its `$defs` when `definition` is given, from
 * `compiled`, the file's generated module.
 */
export function schemaValidator(compiled: CompiledSchema, file: SchemaFile, definition?: string): SchemaValidator {
  const name = validatorName(file, definition ?? "");
  let validator = validators.get(name);
  if (validator === undefined) {
    const validate = Object.hasOwn(compiled, name) ? (compiled[name] as CompiledValidator) : undefined;
    if (validate === undefined) throw new Error(`schemas/${file}: no compiled validator ${name} (regenerate: npx tsx scripts/generate-schema-validators.ts)`);
    validator = (value) => (validate(value) ? undefined : describeError(validate.errors ?? [], value));
    validators.set(name, validator);
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

function describeError(all: readonly ErrorObject[], value: unknown): SchemaProblem {
  // Of all errors, name the plainest: a field given with a wrong type or value, then a missing field, then a
  // conditional requirement (`if`/`then`/`else`) that the same mistake may have triggered.
  const errors = all.filter((e) => e.keyword !== "if");
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
