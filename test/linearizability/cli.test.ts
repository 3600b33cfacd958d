// `quorate check`: exit codes, JSON output, manifests, HTML.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { run, parseTimeout } from "../../src/adapters/cli/commands/check.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dataManifest = path.resolve(repoRoot, "test/data/histories/expected.json");
let out = "";
let err = "";
let dir = "";

beforeEach(() => {
  out = "";
  err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((err += String(chunk)), true));
  dir = mkdtempSync(path.join(tmpdir(), "quorate-check-"));
});
afterEach(() => vi.restoreAllMocks());

const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};
const good = `[{:process 0 :type :invoke :f :write :value 1} {:process 0 :type :ok :f :write :value 1}
 {:process 1 :type :invoke :f :read :value nil} {:process 1 :type :ok :f :read :value 1}]`;
const bad = `[{:process 0 :type :invoke :f :write :value 1} {:process 0 :type :ok :f :write :value 1}
 {:process 1 :type :invoke :f :read :value nil} {:process 1 :type :ok :f :read :value 2}]`;

describe("quorate check FILE", () => {
  it("exits 0 for a linearizable history", async () => {
    expect(await run([write("g.edn", good), "--format", "jepsen-edn", "--model", "knossos-cas-register", "--initial", "0"])).toBe(0);
    expect(out).toMatch(/^linearizable/);
  });

  it("exits 1 and explains a non-linearizable one; --json gives the stuck op and prefix", async () => {
    expect(await run([write("b.edn", bad), "--format", "jepsen-edn", "--model", "knossos-cas-register"])).toBe(1);
    expect(out).toMatch(/every search got stuck at op #1 .*read → 2/);
    out = "";
    expect(await run([write("b.edn", bad), "--format", "jepsen-edn", "--model", "knossos-cas-register", "--json"])).toBe(1);
    const json = JSON.parse(out);
    expect(json.verdict).toBe("not-linearizable");
    expect(json.partitions[0].stuckOp).toMatchObject({ index: 1, line: 2, description: "read → 2" });
    expect(json.partitions[0].longestPrefix).toEqual([{ index: 0, op: "write 1", stateAfter: "1" }]);
  });

  it("checks ZooKeeper-style histories with the znode model, path by path", async () => {
    // Failed ops are kept (failedOps: completed): a create that failed with NODEEXISTS says the path existed.
    const history = (ops: unknown[]) => JSON.stringify({ failedOps: "completed", operations: ops });
    const createA = { process: 0, f: "create", key: "/a", value: "x", call: 0, return: 1 };
    const readA = (output: unknown) => ({ process: 2, f: "read", key: "/a", value: null, output, call: 2, return: 3 });
    const failedCreateB = { process: 1, f: "create", key: "/b", value: "y", output: "NODEEXISTS", type: "fail", call: 0, return: 1 };
    expect(await run([write("z1.json", history([createA, readA(["x", 0])])), "--format", "json", "--model", "znode"])).toBe(0);
    expect(await run([write("z2.json", history([createA, readA(["x", 1])])), "--format", "json", "--model", "znode"])).toBe(1);
    out = "";
    // /b was never created, so its create cannot have failed with NODEEXISTS.
    expect(await run([write("z3.json", history([createA, readA(["x", 0]), failedCreateB])), "--format", "json", "--model", "znode"])).toBe(1);
    expect(out).toMatch(/create \/b "y" → NODEEXISTS/);
    expect(await run([write("z1.json", history([createA])), "--format", "json", "--model", "znode", "--initial", "1"])).toBe(2);
  });

  it("exits 3 (unknown) when the time limit is reached", async () => {
    const ops = Array.from({ length: 30 }, (_, i) => `{:process ${i} :type :invoke :f :write :value ${i % 4}}`).join("\n");
    const file = write("slow.edn", `[${ops}\n{:process 99 :type :invoke :f :read :value nil}\n{:process 99 :type :ok :f :read :value 77}]`);
    expect(await run([file, "--format", "jepsen-edn", "--model", "cas-register", "--timeout", "1ms"])).toBe(3);
    expect(out).toMatch(/^unknown/);
  });

  it("exits 2 on bad input, naming the problem", async () => {
    expect(await run([write("x.edn", "[{:process 0"), "--format", "jepsen-edn", "--model", "register"])).toBe(2);
    expect(err).toMatch(/x\.edn:1: .*never closed/);
    expect(await run([write("y.edn", good), "--format", "yaml", "--model", "register"])).toBe(2);
    expect(err).toMatch(/--format must be one of/);
    expect(await run([write("y.edn", good), "--format", "jepsen-edn", "--model", "btree"])).toBe(2);
    expect(err).toMatch(/unknown model 'btree'/);
    expect(await run([write("y.edn", good), "--format", "jepsen-edn"])).toBe(2);
    expect(await run([write("y.edn", good), "--format", "jepsen-edn", "--model", "register", "--initial", "{"])).toBe(2);
    expect(err).toMatch(/--initial: not JSON/);
    expect(await run([write("y.edn", good), "--format", "jepsen-edn", "--model", "register", "--timeout", "soon"])).toBe(2);
    expect(await run([path.join(dir, "missing.edn"), "--format", "jepsen-edn", "--model", "register"])).toBe(2);
    expect(err).toMatch(/ENOENT/);
    expect(await run(["--bogus"])).toBe(2);
    expect(await run([])).toBe(2);
  });

  it("writes a self-contained HTML page with --html", async () => {
    const html = path.join(dir, "out.html");
    expect(await run([write("b.edn", bad), "--format", "jepsen-edn", "--model", "knossos-cas-register", "--html", html])).toBe(1);
    const page = readFileSync(html, "utf8");
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain("not-linearizable");
    expect(page).toContain("read → 2");
    expect(page).not.toMatch(/<script src=|<link /);
  });

  it("prints usage with --help", async () => {
    expect(await run(["--help"])).toBe(0);
    expect(out).toContain("--manifest");
    expect(out).toContain("knossos-cas-register");
  });

  it("parses durations", () => {
    expect(parseTimeout("30s")).toBe(30_000);
    expect(parseTimeout("250ms")).toBe(250);
    expect(parseTimeout("2m")).toBe(120_000);
    expect(parseTimeout("5")).toBe(5000);
  });
});

describe("quorate check --manifest", () => {
  it("checks every listed file relative to the manifest, counting mismatches and errors", async () => {
    write("g.edn", good);
    write("b.edn", bad);
    write("broken.edn", "[{");
    const manifest = write(
      "m.json",
      JSON.stringify({
        histories: [
          { file: "g.edn", format: "jepsen-edn", model: "knossos-cas-register", initial: 0, expected: "linearizable", note: "ignored" },
          { file: "b.edn", format: "jepsen-edn", model: "knossos-cas-register", initial: 0, expected: "linearizable" },
          { file: "broken.edn", format: "jepsen-edn", model: "register", expected: "linearizable" },
          { file: "b.edn", format: "jepsen-edn", model: "knossos-cas-register" },
        ],
        generator: "ignored",
      }),
    );
    expect(await run(["--manifest", manifest, "--json", "--workers", "1"])).toBe(1);
    const json = JSON.parse(out);
    expect(json.mismatches).toBe(2);
    expect(json.results.map((r: { verdict: string }) => r.verdict)).toEqual(["linearizable", "not-linearizable", "error", "not-linearizable"]);
    expect(json.results[2].error).toMatch(/broken\.edn:1/);
    expect(json.results[3].expected).toBeNull();
    for (const r of json.results) expect(typeof r.ms).toBe("number");
    expect(typeof json.totalMs).toBe("number");
  });

  it("exits 0 when every verdict matches (the project's manifest, test/data/histories/expected.json)", async () => {
    const entries = JSON.parse(readFileSync(dataManifest, "utf8")).histories;
    expect(await run(["--manifest", dataManifest, "--workers", "1"])).toBe(0);
    expect(out).toMatch(new RegExp(`${entries.length} histories, 0 mismatch`));
  });

  it("exits 1 when a verdict of the project's manifest is flipped", async () => {
    const entries = JSON.parse(readFileSync(dataManifest, "utf8")).histories;
    const flipped = entries.map((e: { file: string; expected: string }, i: number) => ({
      ...e,
      file: path.join(path.dirname(dataManifest), e.file),
      expected: i === 0 ? (e.expected === "linearizable" ? "not-linearizable" : "linearizable") : e.expected,
    }));
    expect(await run(["--manifest", write("flipped.json", JSON.stringify({ histories: flipped })), "--workers", "1"])).toBe(1);
    expect(out).toMatch(new RegExp(`${entries.length} histories, 1 mismatch`));
  });

  it("gives the same results on worker threads (compiled dist/)", async () => {
    write("g.edn", good);
    write("b.edn", bad);
    const entries = [
      { file: "g.edn", format: "jepsen-edn", model: "knossos-cas-register", initial: 0, expected: "linearizable" },
      { file: "b.edn", format: "jepsen-edn", model: "knossos-cas-register", initial: 0, expected: "not-linearizable" },
      { file: "missing.edn", format: "jepsen-edn", model: "register", expected: "linearizable" },
    ];
    const manifest = write("w.json", JSON.stringify({ histories: entries }));
    expect(await run(["--manifest", manifest, "--json", "--workers", "2"])).toBe(1);
    const json = JSON.parse(out);
    expect(json.results.map((r: { verdict: string }) => r.verdict)).toEqual(["linearizable", "not-linearizable", "error"]);
    expect(json.results[2].error).toMatch(/ENOENT/);
    expect(json.mismatches).toBe(1);
  });

  it("exits 2 for a bad manifest", async () => {
    expect(await run(["--manifest", write("m.json", `{"histories": [{"file": 3}]}`)])).toBe(2);
    expect(err).toMatch(/m\.json:1: histories\[0\]: field "file"/);
    expect(await run(["--manifest", write("m.json", "{}"), "extra.edn"])).toBe(2);
    expect(await run(["--manifest", write("m.json", "{}"), "--workers", "0"])).toBe(2);
  });
});
