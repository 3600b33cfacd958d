/**
 * The spec's invariants have teeth: each mutant in spec/mutants/mutants.json (a one-line patch of a spec that
 * reintroduces a known bug) must make `quint run` report the named invariant as violated, with a fixed seed so
 * the run is deterministic.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot, quintRun, specDir, violatedInvariants } from "../../src/adapters/conformance/quint.js";
import { QUINT_TIMEOUT_MS } from "./core-mutants.js";

interface Mutant {
  name: string;
  why: string;
  spec: string;
  find: string;
  replace: string;
  invariant: string;
  seed: string;
  maxSteps: number;
}
interface MutantFile {
  invariants: Record<string, string[]>;
  mutants: Mutant[];
}

const catalogue = JSON.parse(readFileSync(path.join(specDir, "mutants", "mutants.json"), "utf8")) as MutantFile;
const cache = path.join(packageRoot, ".cache", "spec-mutants");

/** Copies spec/ to .cache/spec-mutants/NAME and applies the patch; throws if the patched text is not found once. */
function materialise(m: Mutant): string {
  const dir = path.join(cache, m.name);
  mkdirSync(dir, { recursive: true });
  cpSync(specDir, dir, { recursive: true });
  const file = path.join(dir, m.spec);
  const text = readFileSync(file, "utf8");
  const hits = text.split(m.find).length - 1;
  if (hits !== 1) throw new Error(`mutant ${m.name}: the text to patch occurs ${hits} times in spec/${m.spec} (expected once); update spec/mutants/mutants.json`);
  writeFileSync(file, text.replace(m.find, m.replace));
  return file;
}

/** Lists the catalogue's mutants for the given specs as tests (split over files so vitest runs them in parallel). */
export function describeSpecMutants(specs: readonly string[]): void {
 describe(`spec mutants of ${specs.join(", ")} violate their invariant under quint run`, () => {
  it("has at least one mutant per spec", () => {
    for (const s of specs) expect(catalogue.mutants.filter((m) => m.spec === s).length, s).toBeGreaterThan(0);
  });

  for (const m of catalogue.mutants.filter((x) => specs.includes(x.spec))) {
    it(`${m.name}: ${m.why}`, async () => {
      const invariants = catalogue.invariants[m.spec];
      expect(invariants, `no invariant list for ${m.spec}`).toBeDefined();
      expect(invariants).toContain(m.invariant);
      const budget = { seed: m.seed, maxSamples: 1, maxSteps: m.maxSteps, invariants: invariants ?? [] };
      // No unpatched control run per mutant (each quint start costs seconds of CPU): `npm run spec` checks the
      // unpatched specs, and the violated invariant must be the one the patch is about.
      const mutated = await quintRun({ ...budget, spec: materialise(m) });
      const replay = `cd .cache/spec-mutants/${m.name} && npx quint ${mutated.args.join(" ")}`;
      expect(mutated.code, `mutant ${m.name} did not violate ${m.invariant} (replay: ${replay})\n${mutated.stdout}${mutated.stderr}`).toBe(1);
      expect(violatedInvariants(mutated), `replay: ${replay}`).toContain(m.invariant);
    }, QUINT_TIMEOUT_MS);
  }
});
}
