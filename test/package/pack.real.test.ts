// The installed package works (issue 12 §1): `npm pack`, install the tarball into an empty project, and every CLI
// command, every README example and the library entry run there. Starts real processes (npm, node): bounded in
// time, temp dirs only. Uses the dist/ that `npm test` builds before vitest runs.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const work = mkdtempSync(path.join(tmpdir(), "quorate-pack-"));
const project = path.join(work, "consumer");
const installed = path.join(project, "node_modules", "quorate");
const bin = path.join(installed, "bin", "quorate.js");
let packed: string[] = [];

/** Runs a command with a time bound; returns status and output. */
// PATH without any node_modules/.bin (vitest runs with this repository's on it): the consumer sees only its own.
const PATH = (process.env.PATH ?? "").split(path.delimiter).filter((d) => !d.includes(`node_modules${path.sep}.bin`)).join(path.delimiter);

function sh(command: string, args: readonly string[], cwd: string, timeoutMs = 120_000) {
  const r = spawnSync(command, [...args], { cwd, encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 2 ** 20, env: { ...process.env, PATH, NO_COLOR: "1" } });
  return { status: r.status, out: r.stdout ?? "", err: `${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

const quorate = (args: readonly string[], cwd = installed, timeoutMs?: number) => sh(process.execPath, [bin, ...args], cwd, timeoutMs);

/** Starts the installed CLI, waits until its output matches `ready`, sends SIGTERM and waits for its exit (bounded). */
function untilReadyThenStop(args: readonly string[], cwd: string, ready: RegExp, timeoutMs: number): Promise<{ ready: boolean; status: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, PATH, NO_COLOR: "1" } });
    let out = "";
    let err = "";
    let up = false;
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (!up && ready.test(out)) {
        up = true;
        child.kill("SIGTERM");
      }
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ ready: up, status, out, err });
    });
  });
}

beforeAll(() => {
  expect(existsSync(path.join(repoRoot, "dist", "index.js")), "dist/ is missing: run `npm run build` (npm test does) first").toBe(true);
  // --ignore-scripts: pack the dist/ just built instead of building again through `prepare`.
  const pack = sh("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], repoRoot);
  expect(pack.status, pack.err).toBe(0);
  const info = JSON.parse(pack.out)[0] as { filename: string; files: { path: string }[] };
  packed = info.files.map((f) => f.path);
  sh("mkdir", ["-p", project], work);
  writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  const install = sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", path.join(work, info.filename)], project, 240_000);
  expect(install.status, install.err).toBe(0);
}, 400_000);

afterAll(() => {
  sh("rm", ["-rf", work], tmpdir());
});

describe("npm pack", () => {
  it("ships the build, the CLI, specs, schemas, docs, examples, README and LICENSE — not the sources or tests", () => {
    for (const f of ["LICENSE", "README.md", "package.json", "bin/quorate.js", "dist/index.js", "dist/index.d.ts", "docs/history-format.md", "docs/test-vectors.md", "examples/histories/expected.json", "examples/zk/q03-watches-and-versions.json", "schemas/history.schema.json"]) {
      expect(packed, f).toContain(f);
    }
    expect(packed.some((f) => f.startsWith("spec/") && f.endsWith(".qnt"))).toBe(true);
    expect(packed.filter((f) => f.startsWith("src/") || f.startsWith("test/") || f.startsWith("scripts/"))).toEqual([]);
    expect(readFileSync(path.join(installed, "LICENSE"), "utf8")).toContain("Apache License");
  });

  it("README links point at files in the package", () => {
    const readme = readFileSync(path.join(installed, "README.md"), "utf8");
    const links = [...readme.matchAll(/\]\(([^)#\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
    expect(links.length).toBeGreaterThan(3);
    for (const link of links) expect(existsSync(path.join(installed, link)), link).toBe(true);
  });
});

describe("the installed CLI", () => {
  it("is on the consumer's PATH through npx", () => {
    const r = sh("npx", ["--no-install", "quorate", "--help"], project);
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/usage: quorate <command>/);
  });

  const commands = ["demo", "simulate", "verify-trace", "check", "zk-replay", "export-vectors"];
  it("lists every command and answers --help for each", () => {
    const help = quorate(["--help"]);
    for (const c of commands) expect(help.out).toContain(c);
    for (const c of commands) {
      const r = quorate([c, "--help"]);
      expect(r.status, `${c} --help: ${r.err}`).toBe(0);
      expect(r.out.length).toBeGreaterThan(20);
    }
  });

  it("runs a smoke invocation of every command", () => {
    const out = mkdtempSync(path.join(work, "out-"));
    const cases: [string[], number, RegExp][] = [
      [["demo"], 0, /./],
      [["simulate", "--system", "raft", "--nodes", "3", "--seed", "1", "--steps", "2000", "--json"], 0, /"ok"\s*:\s*true/],
      [["verify-trace", "examples/raft-trace.ndjson", "--protocol", "raft"], 0, /./],
      [["verify-trace", "examples/raft-trace-violation.ndjson", "--protocol", "raft"], 1, /./],
      [["check", "--manifest", "examples/histories/expected.json"], 0, /0 mismatch/],
      [["zk-replay", "examples/zk"], 0, /1 passed, 0 failed/],
    ];
    for (const [args, status, output] of cases) {
      const r = quorate(args);
      expect(r.status, `quorate ${args.join(" ")}: ${r.err}`).toBe(status);
      expect(r.out, `quorate ${args.join(" ")}`).toMatch(output);
    }
    // Without Quint installed beside it, export-vectors says what to install and exits 2 (bad usage).
    const r = quorate(["export-vectors", "--protocol", "raft", "--out", path.join(out, "v"), "--traces", "1", "--steps", "5"]);
    expect(r.status, r.err).toBe(2);
    expect(r.err).toContain("npm install --save-dev @informalsystems/quint@0.33.1");
    expect(r.err).toContain(`"overrides": {"antlr4ts": "0.5.0-alpha.4"}`);
  }, 180_000);

  it("runs every README example (from the package folder, like a clone)", async () => {
    const readme = readFileSync(path.join(installed, "README.md"), "utf8");
    const lines = readme.split("\n").filter((l) => l.startsWith("npx --no-install quorate "));
    expect(lines.length).toBeGreaterThanOrEqual(6);
    const cwd = mkdtempSync(path.join(work, "readme-"));
    sh("cp", ["-r", path.join(installed, "examples"), cwd], work);
    for (const line of lines) {
      const [command, comment = ""] = line.split(/\s+#\s+/);
      const args = command!.replace("npx --no-install quorate ", "").trim().split(/\s+/);
      if (/runs until Ctrl-C/.test(comment)) {
        // A server: once it says it is up, stopped by SIGTERM (what Ctrl-C's group signal amounts to); it must
        // then stop cleanly with exit 0. zk-server examples name a port: the test moves them to a free one.
        const port = args.indexOf("--port");
        if (port >= 0) args.splice(port, 2, "--port", "0");
        else if (args[0] === "zk-server") args.push("--port", "0");
        const ready = args[0] === "zk-server" ? /listening on 127\.0\.0\.1:\d+/ : /leader \d|active controller \d/;
        const r = await untilReadyThenStop(args, cwd, ready, 60_000);
        expect(r.ready, `${line}: never said it was up\n${r.out.slice(-2000)}\n${r.err.slice(-2000)}`).toBe(true);
        expect(r.status, `${line}\n${r.err.slice(0, 2000)}`).toBe(0);
        continue;
      }
      const expected = Number(/exit (\d)/.exec(comment)?.[1] ?? 0);
      const r = quorate(args, cwd, 120_000);
      expect(r.status, `${line}\n${r.err.slice(0, 2000)}`).toBe(expected);
    }
    // A bound, not a speed test: 25 examples (torture, compare --real, explore) took ~300 s at load 15 on 2 cores.
  }, 900_000);
});

describe("the installed library", () => {
  it("runs the README's Raft example and resolves its types", () => {
    writeFileSync(
      path.join(project, "example.mjs"),
      `import { raft, linearizability } from "quorate";
let node = raft.createRaft({ id: 1, voters: [1, 2, 3], electionTick: 10, heartbeatTick: 1, seed: 42 });
const { state, outputs } = raft.step(node, { type: "tick" });
node = state;
if (!Array.isArray(outputs) || typeof linearizability.checkLinearizability !== "function") process.exit(3);
console.log("ok");
`,
    );
    const r = sh(process.execPath, ["example.mjs"], project);
    expect(r.status, r.err).toBe(0);
    expect(r.out.trim()).toBe("ok");
    expect(existsSync(path.join(installed, JSON.parse(readFileSync(path.join(installed, "package.json"), "utf8")).types))).toBe(true);
  });
});

describe("export-vectors with Quint installed beside quorate", () => {
  it("finds Quint in the consumer's project and writes vectors with their README", () => {
    // What the error message of export-vectors tells a user to do.
    const manifest = JSON.parse(readFileSync(path.join(project, "package.json"), "utf8"));
    writeFileSync(path.join(project, "package.json"), JSON.stringify({ ...manifest, overrides: { antlr4ts: "0.5.0-alpha.4" } }));
    const install = sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--save-dev", "@informalsystems/quint@0.33.1"], project, 300_000);
    expect(install.status, install.err).toBe(0);
    const out = path.join(work, "vectors");
    const r = quorate(["export-vectors", "--protocol", "raft", "--out", out, "--traces", "2", "--steps", "5"], project, 180_000);
    expect(r.status, r.err).toBe(0);
    const files = readdirSync(out);
    expect(files).toContain("README.md");
    expect(files.filter((f) => f.endsWith(".json"))).toHaveLength(2);
  }, 500_000);
});
