// One exit-code convention and one way of refusing flags that do not apply, across every command.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { run as simulate } from "../../src/adapters/cli/commands/simulate.js";
import { run as demo } from "../../src/adapters/cli/commands/demo.js";
import { run as zkReplay } from "../../src/adapters/cli/commands/zk-replay.js";
import { run as verifyTrace } from "../../src/adapters/cli/commands/verify-trace.js";
import { run as exportVectors } from "../../src/adapters/cli/commands/export-vectors.js";
import { runCli } from "../../src/adapters/cli/main.js";
import { EXIT_CODES_HELP, Exit, UsageError, combineExitCodes } from "../../src/adapters/cli/exit-codes.js";
import { parseCommandLine, selectMode } from "../../src/adapters/cli/flags.js";
import { captureCliOutput } from "../support/cli-output.js";

const io = captureCliOutput("quorate-flags-");
const dir = io.dir;

describe("the exit-code convention", () => {
  it("is 0 held, 1 violation, 2 bad input, 3 unknown, and combines to the lowest non-zero code", () => {
    expect(Exit).toEqual({ ok: 0, violation: 1, badInput: 2, unknown: 3 });
    expect(combineExitCodes([0, 0])).toBe(0);
    expect(combineExitCodes([0, 3, 2])).toBe(2);
    expect(combineExitCodes([3, 1, 2])).toBe(1);
    expect(combineExitCodes([0, 3])).toBe(3);
    expect(combineExitCodes([])).toBe(2); // nothing checked proves nothing
  });

  it("is printed by quorate --help and by every command's --help", async () => {
    expect(await runCli(["--help"])).toBe(0);
    expect(io.out).toContain(EXIT_CODES_HELP);
    for (const command of ["demo", "simulate", "verify-trace", "check", "zk-replay", "export-vectors", "zk-server"]) {
      io.out = "";
      expect(await runCli([command, "--help"]), command).toBe(0);
      expect(io.out, command).toContain("exit codes: 0 all held, 1 a violation or not linearizable, 2 bad usage or bad input");
    }
  });

  it("quorate --version prints package.json's version; no command is bad usage; an Object property is no command", async () => {
    const version = (JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../package.json"), "utf8")) as { version: string }).version;
    expect(await runCli(["--version"])).toBe(0);
    expect(io.out).toBe(`quorate ${version}\n`);
    expect(await runCli([])).toBe(2);
    expect(io.err).toContain("usage: quorate <command>");
    expect(await runCli(["toString"])).toBe(2);
    expect(io.err).toContain("unknown command 'toString'");
  });
});

describe("flags that do not apply are refused (exit 2), and nothing is written", () => {
  it("simulate --scenario … --html F, and every single-run flag with --scenario or --seeds", async () => {
    const html = path.join(dir, "s.html");
    const cases: [string[], string][] = [
      [["--system", "kraft", "--scenario", "broker-failure", "--html", html], "--html does not apply to a KRaft scenario (--scenario) (only to a single run (--seed))"],
      [["--system", "kraft", "--scenario", "broker-failure", "--trace", html], "--trace does not apply to a KRaft scenario"],
      [["--system", "kraft", "--scenario", "broker-failure", "--steps", "5"], "--steps does not apply to a KRaft scenario"],
      [["--system", "kraft", "--scenario", "broker-failure", "--faults", "drop"], "--faults does not apply to a KRaft scenario"],
      [["--system", "kraft", "--scenario", "broker-failure", "--nodes", "3"], "--nodes does not apply to a KRaft scenario"],
      [["--seeds", "1..3", "--html", html], "--html does not apply to a campaign (--seeds)"],
      [["--seeds", "1..3", "--history", html], "--history does not apply to a campaign (--seeds)"],
      [["--seed", "4", "--workers", "2"], "--workers does not apply to a single run (--seed)"],
      [["--seeds", "1..2", "--shard", "3/4"], "--shard 3/4 of --seeds 1..2 is empty"],
    ];
    for (const [argv, message] of cases) {
      io.err = "";
      expect(await simulate(argv), argv.join(" ")).toBe(2);
      expect(io.err, argv.join(" ")).toContain(message);
    }
    expect(existsSync(html)).toBe(false);
    expect(io.out).toBe("");
  });

  it("demo, verify-trace, zk-replay and export-vectors refuse unknown flags and positionals", async () => {
    expect(await demo(["--steps", "5"])).toBe(2);
    expect(io.err).toContain("Unknown option '--steps'");
    expect(await demo(["extra"])).toBe(2);
    expect(await verifyTrace(["a", "--protocol", "raft", "--html", "x"])).toBe(2);
    expect(await zkReplay(["a", "--protocol", "zk"])).toBe(2);
    expect(await exportVectors(["--protocol", "zk", "--out", path.join(dir, "v"), "positional"])).toBe(2);
    expect(io.out).toBe("");
  });

  it("the flag table refuses systematically: one rule, named modes", () => {
    const table = { a: { type: "string", modes: ["x"] }, b: { type: "boolean" } } as const;
    const line = parseCommandLine(table, ["--a", "1", "--b"], { positionals: false });
    expect(() => selectMode(table, line, { select: () => "y" as "x" | "y", describe: { x: "mode X", y: "mode Y" } })).toThrow(new UsageError("--a does not apply to mode Y (only to mode X)"));
    expect(selectMode(table, line, { select: () => "x" as "x" | "y", describe: { x: "mode X", y: "mode Y" } })).toBe("x");
    expect(() => parseCommandLine(table, ["--b", "--b"], { positionals: false })).toThrow("--b is given more than once");
  });
});

describe("zk-replay never comes out green on nothing", () => {
  it("a directory without transcripts is bad input (2)", async () => {
    const empty = mkdtempSync(path.join(dir, "zk-"));
    expect(await zkReplay([empty])).toBe(2);
    expect(io.err).toContain("holds no transcript (*.json): nothing to replay");
    expect(io.out).toBe("");
  });

  it("a transcript without steps is malformed (2)", async () => {
    const file = path.join(dir, "nosteps.json");
    writeFileSync(file, JSON.stringify({ format: "zk-golden/1", id: "x", title: "x", sessions: {}, steps: [] }));
    expect(await zkReplay([file])).toBe(2);
    expect(io.err).toContain("malformed transcript: " + file + ": field steps: must be a non-empty list");
  });
});
