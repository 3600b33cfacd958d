// Subpath exports: every entry in package.json exists, and each core entry bundles for the browser without
// pulling in any `node:` module (nor Node's globals) — so a web page can import a core directly.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { exports: Record<string, string | { types: string; import: string }> };
const CORE_ENTRIES = ["./core", "./raft", "./kraft", "./zk", "./zk-ensemble", "./metadata", "./kraft-node"];

/** The TypeScript source an export's compiled `import` path is built from (dist/x/y.js → src/x/y.ts). */
function sourceOf(subpath: string): string {
  const target = pkg.exports[subpath];
  if (target === undefined || typeof target === "string") throw new Error(`package.json exports no module at ${subpath}`);
  return path.join(root, target.import.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts"));
}

/** Bundles `entry` for the browser; returns the Node-only things it needs (empty when it runs in a browser). */
async function nodeDependencies(entry: string): Promise<string[]> {
  const r = await build({ entryPoints: [entry], bundle: true, platform: "browser", format: "esm", write: false, metafile: true, logLevel: "silent", external: ["node:*"] });
  const found: string[] = [];
  for (const out of Object.values(r.metafile.outputs)) for (const i of out.imports) found.push(`import ${i.path}`);
  const text = r.outputFiles.map((f) => f.text).join("\n");
  for (const g of [/\bprocess\.(env|argv|exit|stdout|hrtime)\b/, /\bBuffer\.(from|alloc)\b/, /\brequire\(/]) {
    const m = g.exec(text);
    if (m !== null) found.push(`global ${m[0]}`);
  }
  return found;
}

describe("subpath exports", () => {
  it("name quorate/core, each core, quorate/check and quorate/simulator, each with types and a built module", () => {
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining([".", ...CORE_ENTRIES, "./check", "./simulator"]));
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === "string") continue;
      expect(target.types, subpath).toBe(target.import.replace(/\.js$/, ".d.ts"));
      expect(existsSync(sourceOf(subpath)), `${subpath} → ${sourceOf(subpath)}`).toBe(true);
    }
  });

  for (const subpath of CORE_ENTRIES) {
    it(`quorate${subpath.slice(1)} bundles for the browser without a node: module`, async () => {
      expect(await nodeDependencies(sourceOf(subpath))).toEqual([]);
    }, 60_000);
  }

  it("the check has teeth: an entry that imports node:fs (directly or through a module) is caught", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "quorate-bundle-"));
    try {
      writeFileSync(path.join(dir, "helper.ts"), 'import { readFileSync } from "node:fs";\nexport const read = (p: string): string => readFileSync(p, "utf8");\n');
      writeFileSync(path.join(dir, "entry.ts"), 'export { read } from "./helper.js";\nexport const x = 1;\n');
      writeFileSync(path.join(dir, "global.ts"), 'export const argv = (): string[] => process.argv;\n');
      expect(await nodeDependencies(path.join(dir, "entry.ts"))).toEqual(["import node:fs"]);
      expect(await nodeDependencies(path.join(dir, "global.ts"))).toEqual(["global process.argv"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
