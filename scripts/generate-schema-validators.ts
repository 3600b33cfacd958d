// Writes src/check/schema-validators/<name>.generated.ts, one per file of schemas/ (see src/check/schema-codegen.ts).
import { mkdirSync, writeFileSync } from "node:fs";
import { generatedValidatorsPath, SCHEMA_PARTS, schemaValidatorsSource } from "../src/check/schema-codegen.js";

for (const file of Object.keys(SCHEMA_PARTS)) {
  const target = new URL(`../${generatedValidatorsPath(file)}`, import.meta.url);
  mkdirSync(new URL(".", target), { recursive: true });
  writeFileSync(target, schemaValidatorsSource(file));
  process.stdout.write(`wrote ${target.pathname}\n`);
}
