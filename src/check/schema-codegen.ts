/**
 * Compiling the JSON Schemas of `schemas/` into validator code with ajv (standalone code generation), ahead of
 * time: one module per schema file, `src/check/schema-validators/<name>.generated.ts`, is this module's output,
 * committed, and a test regenerates each and fails if it differs, so the schema files and the checks cannot
 * drift while no run pays for ajv's compiler (about 200 ms of start-up under load). One module per file, so that
 * a command loads only the validators it uses (the trace schema's are most of the code; `check --manifest`
 * needs only the manifest's). Regenerate with `npx tsx scripts/generate-schema-validators.ts`.
 */
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import standaloneCode from "ajv/dist/standalone/index.js";
import { validatorName } from "./schema-codegen-names.js";

/** The schema files and which of their parts are validated (`""`: the whole document). */
export const SCHEMA_PARTS: Readonly<Record<string, readonly string[] | "every-definition">> = {
  "raft-trace.schema.json": "every-definition",
  "history.schema.json": ["operation", "document"],
  "manifest.schema.json": [""],
};

/** The options every validator is compiled with (the messages in `schemas.ts` read its error objects). */
const OPTIONS = { allErrors: true, strict: true, allowUnionTypes: true } as const;

/** Where the validators of schema file `file` are generated, relative to the repository. */
export function generatedValidatorsPath(file: string): string {
  return `src/check/schema-validators/${validatorName(file, "")}.generated.ts`;
}

/** The generated module of schema file `file`: one exported validator per part of it, ESM, runnable without ajv's compiler. */
export function schemaValidatorsSource(file: string, schemasDir: URL = new URL("../../schemas/", import.meta.url)): string {
  const parts = SCHEMA_PARTS[file];
  if (parts === undefined) throw new Error(`no schema parts listed for ${file}`);
  const ajv = new Ajv2020({ ...OPTIONS, code: { source: true, esm: true } });
  const refs: Record<string, string> = {};
  const doc = JSON.parse(readFileSync(new URL(file, schemasDir), "utf8")) as { $id: string; $defs?: Record<string, unknown> };
  ajv.addSchema(doc);
  for (const part of parts === "every-definition" ? Object.keys(doc.$defs ?? {}) : parts) refs[validatorName(file, part)] = part === "" ? doc.$id : `${doc.$id}#/$defs/${part}`;
  const code = (standaloneCode as unknown as (ajv: Ajv2020, refs: Record<string, string>) => string)(ajv, refs);
  // ajv's ESM output still require()s its small runtime helpers (CommonJS modules exporting `default`); import
  // them instead, unwrapping `default` whether the loader (Node, or vitest's) already did or not.
  const helpers = [...new Set([...code.matchAll(/require\("ajv\/dist\/runtime\/(\w+)"\)/g)].map((m) => m[1]!))];
  const body = code
    .replace(/^"use strict";/, "")
    .replace(/require\("ajv\/dist\/runtime\/(\w+)"\)\.default/g, (_, name: string) => `(typeof runtime_${name} === "function" ? runtime_${name} : runtime_${name}.default)`);
  return [
    "// @ts-nocheck",
    `// Generated from schemas/${file} by src/check/schema-codegen.ts; do not edit.`,
    "// Regenerate: npx tsx scripts/generate-schema-validators.ts (a test fails while this file is stale).",
    ...helpers.map((name) => `import runtime_${name} from "ajv/dist/runtime/${name}.js";`),
    body,
    "",
  ].join("\n");
}
