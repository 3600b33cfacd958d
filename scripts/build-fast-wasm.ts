// Compiles the WebAssembly fast path (src/check/linearizability/fast-wasm/assembly/) with AssemblyScript and
// writes src/check/linearizability/fast-wasm/module.generated.ts: the module's bytes in base64, so that a clone,
// `npm pack` and dist need no build step. Run: `npm run build:wasm` (a test fails while the file is stale).
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import asc from "assemblyscript/asc";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The AssemblyScript source's folder and entry file, relative to the repository. */
export const FAST_WASM_SOURCE_DIR = "src/check/linearizability/fast-wasm/assembly";
export const FAST_WASM_SOURCE = `${FAST_WASM_SOURCE_DIR}/index.ts`;
/** The generated TypeScript module holding the compiled bytes, relative to the repository. */
export const FAST_WASM_GENERATED = "src/check/linearizability/fast-wasm/module.generated.ts";

/**
 * The compiler's arguments: the stub runtime (the module allocates with its own bump allocator and never calls
 * it), optimized for speed, no assertions, and the standard library's `abort` routed to the module's own trap,
 * so that the module imports nothing.
 */
const ASC_ARGS = [
  FAST_WASM_SOURCE,
  "--baseDir", root,
  "--runtime", "stub",
  "-O3",
  "--noAssert",
  "--use", `abort=${FAST_WASM_SOURCE_DIR}/memory/trap`,
  "--outFile", "fast.wasm",
];

/**
 * Compiles the module with asc; `replaced` maps files of the source (paths relative to the repository) to the
 * text to compile instead (tests compile deliberately broken variants this way). @throws Error with the
 * compiler's messages when it fails.
 */
export async function buildFastWasm(replaced: Readonly<Record<string, string>> = {}): Promise<Uint8Array> {
  let wasm: Uint8Array | undefined;
  let messages = "";
  const sink = { write: (text: string | Uint8Array): boolean => ((messages += String(text)), true) };
  const { error } = await asc.main(ASC_ARGS, {
    stdout: sink,
    stderr: sink,
    readFile: (name: string, baseDir: string) => {
      const replacement = replaced[path.relative(root, path.resolve(baseDir, name))];
      if (replacement !== undefined) return replacement;
      try {
        return readFileSync(path.resolve(baseDir, name), "utf8");
      } catch {
        return null;
      }
    },
    writeFile: (name: string, contents: string | Uint8Array) => {
      if (name.endsWith(".wasm")) wasm = typeof contents === "string" ? new TextEncoder().encode(contents) : contents;
    },
  });
  if (error !== null || wasm === undefined) throw new Error(`asc failed: ${String(error)}\n${messages}`);
  return wasm;
}

/** The text of module.generated.ts for the compiled bytes `wasm`. */
export function fastWasmModuleSource(wasm: Uint8Array): string {
  const base64 = Buffer.from(wasm).toString("base64");
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += 100) lines.push(`  "${base64.slice(i, i + 100)}",`);
  return [
    `// Generated from ${FAST_WASM_SOURCE_DIR}/ by scripts/build-fast-wasm.ts; do not edit.`,
    "// Regenerate: npm run build:wasm (a test fails while this file is stale).",
    "",
    `/** The compiled WebAssembly fast path (${wasm.length} bytes), in base64. */`,
    "export const FAST_WASM_BASE64: string = [",
    ...lines,
    '].join("");',
    "",
  ].join("\n");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const wasm = await buildFastWasm();
  const target = path.join(root, FAST_WASM_GENERATED);
  writeFileSync(target, fastWasmModuleSource(wasm));
  process.stdout.write(`wrote ${target} (${wasm.length} bytes of WebAssembly)\n`);
}
