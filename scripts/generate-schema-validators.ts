// Writes src/check/schema-validators.generated.ts from schemas/*.schema.json (see src/check/schema-codegen.ts).
import { writeFileSync } from "node:fs";
import { schemaValidatorsSource } from "../src/check/schema-codegen.js";

const target = new URL("../src/check/schema-validators.generated.ts", import.meta.url);
writeFileSync(target, schemaValidatorsSource());
process.stdout.write(`wrote ${target.pathname}\n`);
