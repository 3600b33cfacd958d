// Bad input for the replayer: a malformed transcript or an unknown format version is a clear error naming the
// file and the field — never a silent pass. And the CLI's contract: output, --json shape, exit codes.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { run } from "../../src/adapters/cli/commands/zk-replay.js";
import { TranscriptError, parseTranscript } from "../../src/adapters/zk/replay/index.js";

const dataDir = path.resolve(import.meta.dirname, "../data/zk");
const good = JSON.parse(readFileSync(path.join(dataDir, "q03-watches-and-versions.json"), "utf8"));
const variant = (edit: (d: any) => void) => {
  const d = structuredClone(good);
  edit(d);
  return JSON.stringify(d);
};

describe("transcript validation", () => {
  const cases: [string, string, RegExp][] = [
    ["not json", "{", /field \(document\): not valid JSON/],
    ["not an object", "[]", /field \(document\)/],
    ["unknown version", variant((d) => (d.format = "zk-golden/9")), /field format: unknown format version "zk-golden\/9"/],
    ["missing version", variant((d) => delete d.format), /field format: unknown format version undefined/],
    ["empty id", variant((d) => (d.id = "")), /field id:/],
    ["sessions", variant((d) => (d.sessions = [])), /field sessions:/],
    ["timeout", variant((d) => (d.sessions.a.timeout_ms = "4000")), /field sessions\/a\/timeout_ms:/],
    ["opened", variant((d) => (d.opened = 3)), /field opened:/],
    ["opened timeout", variant((d) => (d.opened.a = {})), /field opened\/a\/timeout_ms:/],
    ["ignore", variant((d) => (d.ignore = [1])), /field ignore:/],
    ["server", variant((d) => (d.server = 3)), /field server: must be an object/],
    ["server flag", variant((d) => (d.server = { extendedTypesEnabled: "no" })), /field server\/extendedTypesEnabled: must be true or false/],
    ["steps", variant((d) => (d.steps = {})), /field steps:/],
    ["step not object", variant((d) => (d.steps[4] = 1)), /field steps\/4:/],
    ["step input", variant((d) => delete d.steps[4].step), /field steps\/4\/step:/],
    ["result", variant((d) => (d.steps[4].result = null)), /field steps\/4\/result:/],
    ["zxid_after", variant((d) => (d.steps[4].zxid_after = "2")), /field steps\/4\/zxid_after:/],
    ["events", variant((d) => (d.steps[4].events = [])), /field steps\/4\/events:/],
    ["event list", variant((d) => (d.steps[4].events.b = {})), /field steps\/4\/events\/b:/],
    ["event", variant((d) => (d.steps[4].events.b[0] = { type: "NodeDataChanged" })), /field steps\/4\/events\/b\/0:/],
    ["two kinds", variant((d) => (d.steps[4].step.wait_ms = 5)), /field steps\/4\/step: must have exactly one of/],
    ["unknown op", variant((d) => (d.steps[4].step.op = "frobnicate")), /field steps\/4\/step\/op: unknown op "frobnicate"/],
    ["unknown session", variant((d) => (d.steps[4].step.session = "zz")), /field steps\/4\/step\/session: unknown session "zz"/],
    ["path", variant((d) => (d.steps[4].step.path = 5)), /field steps\/4\/step\/path: must be a string/],
    ["data", variant((d) => (d.steps[4].step.data = { hex: "00" })), /field steps\/4\/step\/data:/],
    ["version", variant((d) => (d.steps[4].step.version = 1.5)), /field steps\/4\/step\/version:/],
    ["watch", variant((d) => (d.steps[1].step.watch = "yes")), /field steps\/1\/step\/watch:/],
    ["wait", variant((d) => (d.steps[4].step = { wait_ms: -1 })), /field steps\/4\/step\/wait_ms:/],
    ["open", variant((d) => (d.steps[4].step = { open: "a", timeout_ms: 10 })), /field steps\/4\/step\/open: must name a new session/],
    ["open timeout", variant((d) => (d.steps[4].step = { open: "c" })), /field steps\/4\/step\/timeout_ms:/],
    ["close", variant((d) => (d.steps[4].step = { close: "q" })), /field steps\/4\/step\/close: unknown session "q"/],
    ["acl", variant((d) => (d.steps[4].step = { session: "a", op: "create", path: "/x", acl: [{ perms: "READ|NOPE", scheme: "world", id: "anyone" }] })), /field steps\/4\/step\/acl\/0:/],
    ["acl list", variant((d) => (d.steps[4].step = { session: "a", op: "setACL", path: "/x", acl: {} })), /field steps\/4\/step\/acl:/],
    ["setACL acl", variant((d) => (d.steps[4].step = { session: "a", op: "setACL", path: "/x" })), /field steps\/4\/step\/acl: is required/],
    ["mode", variant((d) => (d.steps[4].step = { session: "a", op: "create", path: "/x", mode: "FOREVER" })), /field steps\/4\/step\/mode:/],
    ["watch type", variant((d) => (d.steps[4].step = { session: "a", op: "removeWatches", path: "/x", type: "ALL" })), /field steps\/4\/step\/type:/],
    ["addWatch mode", variant((d) => (d.steps[4].step = { session: "a", op: "addWatch", path: "/x", mode: "ONCE" })), /field steps\/4\/step\/mode:/],
    ["setWatches zxid", variant((d) => (d.steps[4].step = { session: "a", op: "setWatches", relative_zxid: "1" })), /field steps\/4\/step\/relative_zxid:/],
    ["setWatches list", variant((d) => (d.steps[4].step = { session: "a", op: "setWatches", relative_zxid: 1, data: [1] })), /field steps\/4\/step\/data:/],
    ["raw opcode", variant((d) => (d.steps[4].step = { session: "a", op: "raw" })), /field steps\/4\/step\/opcode: is required/],
    ["raw body", variant((d) => (d.steps[4].step = { session: "a", op: "raw", opcode: 1, body_hex: "xyz" })), /field steps\/4\/step\/body_hex:/],
    ["multi ops", variant((d) => (d.steps[4].step = { session: "a", op: "multi", ops: {} })), /field steps\/4\/step\/ops:/],
    ["multi sub-op", variant((d) => (d.steps[4].step = { session: "a", op: "multi", ops: [7] })), /field steps\/4\/step\/ops\/0:/],
    ["multi sub-op kind", variant((d) => (d.steps[4].step = { session: "a", op: "multi", ops: [{ op: "sync", path: "/" }] })), /field steps\/4\/step\/ops\/0\/op: unknown sub-op "sync"/],
    ["multi check version", variant((d) => (d.steps[4].step = { session: "a", op: "multi", ops: [{ op: "check", path: "/", version: "1" }] })), /field steps\/4\/step\/ops\/0\/version:/],
    ["prefix", variant((d) => (d.steps[4].step = { session: "a", op: "getEphemerals" })), /field steps\/4\/step\/prefix:/],
    ["auth", variant((d) => (d.steps[4].step = { session: "a", op: "addAuth", scheme: "digest" })), /field steps\/4\/step\/auth:/],
  ];
  it.each(cases)("%s", (_name, text, message) => {
    const error = (() => {
      try {
        parseTranscript("bad.json", text);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(TranscriptError);
    expect((error as TranscriptError).message).toMatch(/^bad\.json: /);
    expect((error as TranscriptError).message).toMatch(message);
  });
  it("accepts every valid step kind", () => {
    const t = parseTranscript(
      "ok.json",
      variant((d) => {
        d.steps = [
          { step: { wait_ms: 5 }, result: {}, zxid_after: 0 },
          { step: { open: "c", timeout_ms: 100 }, result: {}, zxid_after: 1 },
          { step: { session: "c", op: "whoAmI" }, result: {}, zxid_after: 1 },
          { step: { disconnect: "c" }, result: {}, zxid_after: 1 },
          { step: { reconnect: "c" }, result: {}, zxid_after: 1 },
          { step: { expire: "c", unordered_events: true }, result: {}, zxid_after: 2 },
        ];
      }),
    );
    expect(t.steps.map((s) => Object.keys(s.step)[0])).toEqual(["wait_ms", "open", "session", "disconnect", "reconnect", "expire"]);
    expect(t.steps[5]!.unorderedEvents).toBe(true);
  });
});

describe("quorate zk-replay", () => {
  const capture = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
    const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
    try {
      const code = await run(argv);
      return { code, out: out.join(""), err: err.join("") };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  };

  it("replays the project's recordings: every scenario passes, exit 0", async () => {
    const r = await capture([dataDir, "--json"]);
    const report = JSON.parse(r.out);
    expect(r.code).toBe(0);
    expect(report.failed).toBe(0);
    expect(report.passed + report.skipped).toBe(report.scenarios.length);
    expect(report.scenarios[0]).toMatchObject({ id: "q01-create-validation", status: "pass", step: null, diff: null });
  });

  it("reports the first differing step and field and exits 1", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "zk-replay-"));
    writeFileSync(path.join(dir, "x.json"), variant((d) => (d.steps[4].result.stat.version = 9)));
    const text = await capture([dir]);
    expect(text.code).toBe(1);
    expect(text.out).toContain("FAIL q03-watches-and-versions: step 4, result/stat/version: expected 9, got 1");
    const json = await capture([path.join(dir, "x.json"), "--json"]);
    expect(JSON.parse(json.out)).toMatchObject({ scenarios: [{ id: "q03-watches-and-versions", status: "fail", step: 4, diff: { field: "result/stat/version", expected: 9, got: 1 } }], passed: 0, failed: 1, skipped: 0 });
  });

  it("refuses a malformed transcript naming the file and field, and bad usage, with exit 2", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "zk-replay-"));
    const file = path.join(dir, "bad.json");
    writeFileSync(file, variant((d) => (d.format = "zk-golden/0")));
    const bad = await capture([file]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(`${file}: field format: unknown format version "zk-golden/0"`);
    expect((await capture([])).code).toBe(2);
    expect((await capture(["--nope", dir])).code).toBe(2);
    expect((await capture([path.join(dir, "missing.json")])).code).toBe(2);
    const help = await capture(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("usage: quorate zk-replay");
  });
});

describe("wire-level steps in the runner", () => {
  it("runs flags and opcode overrides (also inside a multi) and reports them as wire steps", async () => {
    const { replayTranscript } = await import("../../src/adapters/zk/replay/index.js");
    const ok = (zxid: number, extra = {}) => ({ err: "OK", code: 0, zxid, ...extra });
    const transcript = parseTranscript(
      "wire.json",
      JSON.stringify({
        format: "zk-golden/1",
        id: "wire",
        sessions: { a: { timeout_ms: 4000 } },
        steps: [
          { step: { session: "a", op: "create", path: "/f", flags: 7 }, result: { err: "BADARGUMENTS", code: -8, zxid: 1 }, zxid_after: 1 },
          { step: { session: "a", op: "create", path: "/k", opcode: 19 }, result: ok(2, { path: "/k", stat: { czxid: 2, mzxid: 2, ctime: "t1", mtime: "t1", version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0, dataLength: 0, numChildren: 0, pzxid: 2, mtime_rel: "=ctime" } }), zxid_after: 2 },
          { step: { session: "a", op: "create", path: "/n", opcode: 21 }, result: { err: "MARSHALLINGERROR", code: -5, zxid: 3 }, zxid_after: 3 },
          { step: { session: "a", op: "create", path: "/p", opcode: 15 }, result: ok(4, { path: "/p", stat: { czxid: 4, mzxid: 4, ctime: "t2", mtime: "t2", version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0, dataLength: 0, numChildren: 0, pzxid: 4, mtime_rel: "=ctime" } }), zxid_after: 4 },
          { step: { session: "a", op: "multi", ops: [{ op: "create", path: "/m", flags: 9 }] }, result: ok(5, { results: [{ type: "error", err: "BADARGUMENTS", code: -8 }] }), zxid_after: 5 },
        ],
      }),
    );
    const report = await replayTranscript(transcript);
    expect(report).toMatchObject({ status: "pass", wireSteps: [0, 1, 2, 3, 4] });
  });
});

describe("skips", () => {
  const transcript = JSON.stringify({
    format: "zk-golden/1",
    id: "raw-skip",
    sessions: { a: { timeout_ms: 4000 } },
    steps: [
      // sasl (102): a valid opcode whose request the service does not serve (the wire server answers it itself).
      { step: { session: "a", op: "raw", opcode: 102, body_hex: "00" }, result: { err: "OK", code: 0, zxid: 0 }, zxid_after: 0 },
      { step: { session: "a", op: "sync", path: "/" }, result: { err: "OK", code: 0, zxid: 0, path: "/" }, zxid_after: 0 },
    ],
  });
  it("skips only a wire-level step quorate does not model, lists it, and never counts it as a pass", async () => {
    const { replayTranscript } = await import("../../src/adapters/zk/replay/index.js");
    const report = await replayTranscript(parseTranscript("skip.json", transcript));
    expect(report).toMatchObject({ status: "skip", skipped: [{ step: 0, reason: expect.stringMatching(/raw request with opcode 102/) }] });
  });
  it("the CLI prints SKIP, counts it as skipped and exits 3 (nothing was compared)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "zk-replay-"));
    writeFileSync(path.join(dir, "skip.json"), transcript);
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
    try {
      expect(await run([dir])).toBe(3);
      expect(await run([dir, "--json"])).toBe(3);
    } finally {
      spy.mockRestore();
    }
    expect(out[0]).toContain("SKIP raw-skip: step 0: raw request with opcode 102");
    expect(out[0]).toContain("0 passed, 0 failed, 1 skipped (of 1)");
    expect(JSON.parse(out[1]!)).toMatchObject({ passed: 0, failed: 0, skipped: 1, scenarios: [{ status: "skip", skipped: [{ step: 0 }] }] });
  });
});
