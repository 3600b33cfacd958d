/**
 * Core mutants for the conformance tests' teeth: a copy of one core directory under .cache/core-mutants/,
 * with a one-line patch, imported in place of the real core. Production code carries no hooks for this.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { packageRoot } from "../../src/adapters/conformance/quint.js";

/** Time allowed for a step that runs Quint (seconds of CPU each; far more wall time on a loaded 2-core box). */
export const QUINT_TIMEOUT_MS = 300_000;

/** A textual patch of one file of a core. */
export interface CorePatch {
  readonly name: string;
  readonly file: string;
  readonly find: string;
  readonly replace: string;
  /** Appended to the file after the replacement (for a replacement function). */
  readonly append?: string;
}

/**
 * Copies src/ into .cache/core-mutants/CORE-NAME/src, applies the patch to one file of src/core/CORE (the text
 * must occur exactly once) and imports the copy's core index (which may reach the shared contract and check/).
 */
export async function loadCoreMutant<T = never>(core: "raft" | "kraft" | "zk" | "zk-ensemble", p: CorePatch): Promise<T> {
  const root = path.join(packageRoot, ".cache", "core-mutants", `${core}-${p.name}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  cpSync(path.join(packageRoot, "src"), path.join(root, "src"), { recursive: true });
  const dir = path.join(root, "src", "core", core);
  const file = path.join(dir, p.file);
  const text = readFileSync(file, "utf8");
  const hits = text.split(p.find).length - 1;
  if (hits !== 1) throw new Error(`core mutant ${p.name}: the text to patch occurs ${hits} times in src/core/${core}/${p.file} (expected once); update the mutant`);
  writeFileSync(file, text.replace(p.find, p.replace) + (p.append ?? ""));
  return (await import(path.join(dir, "index.ts"))) as T;
}
