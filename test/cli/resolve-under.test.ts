// `check --manifest` resolves each entry's file under the manifest's directory with `resolveUnder`, which skips
// Node's path normalization for plain relative names (docs/checker-speed.md, round six). Property: it gives
// exactly what `path.resolve` gives, for any name over an alphabet rich in separators and dots.
// Replay a failure: RESOLVE_SEED=<seed printed below> npx vitest run test/cli/resolve-under.test.ts
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolveUnder } from "../../src/adapters/cli/commands/check.js";

const seed = Number(process.env["RESOLVE_SEED"] ?? 20261205);

describe("resolveUnder", () => {
  it("equals path.resolve(dir, file) for resolved directories", () => {
    const name = fc.array(fc.constantFrom("a", "b", ".", "/", "\\", " ", "\n"), { minLength: 1, maxLength: 10 }).map((cs) => cs.join(""));
    const dir = fc.constantFrom("/", "/work", "/work/q/test/data");
    try {
      fc.assert(
        fc.property(dir, name, (d, f) => {
          expect(resolveUnder(d, f)).toBe(path.resolve(d, f));
        }),
        { seed, numRuns: 2000 },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\nreplay: RESOLVE_SEED=${seed} npx vitest run test/cli/resolve-under.test.ts`);
    }
  });

  it("takes the short way for plain names and path.resolve's for the others", () => {
    expect(resolveUnder("/m", "h/x.edn")).toBe("/m/h/x.edn");
    expect(resolveUnder("/m", "../x.edn")).toBe("/x.edn");
    expect(resolveUnder("/m", "/abs/x.edn")).toBe("/abs/x.edn");
    expect(resolveUnder("/", "x.edn")).toBe("/x.edn");
  });
});
