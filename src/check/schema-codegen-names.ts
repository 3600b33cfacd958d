/** How the generated schema validators are named (shared by `schema-codegen.ts` and `schemas.ts`). */

/** The export name of a schema part in the generated module: `raft_trace__state`, `manifest`. */
export function validatorName(file: string, definition: string): string {
  const base = file.replace(/\.schema\.json$/, "").replace(/-/g, "_");
  return definition === "" ? base : `${base}__${definition}`;
}
