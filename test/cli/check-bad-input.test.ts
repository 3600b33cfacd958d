// `quorate check` never calls garbage green: empty, binary, random and op-less files and ops the model does not
// define are bad input (exit 2) naming the file, line and problem; inapplicable flags are refused.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/adapters/cli/commands/check.js";
import { historyFormats } from "../../src/check/linearizability/index.js";
import { captureCliOutput } from "../support/cli-output.js";

const io = captureCliOutput("quorate-check-bad-");
const dir = io.dir;

const write = (name: string, data: string | Uint8Array): string => {
  const file = path.join(dir, name);
  writeFileSync(file, data);
  return file;
};

/** `bytes` pseudo-random bytes from a xorshift32 seeded with `seed` (reproducible). */
function randomBytes(bytes: number, seed: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(bytes / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  return new Uint8Array(words.buffer, 0, bytes);
}

const RANDOM_SEED = 20261205;

describe("quorate check refuses garbage with exit 2", () => {
  it("an empty or blank file, in every format", async () => {
    for (const format of historyFormats) {
      const empty = write(`empty-${format}`, "");
      io.err = "";
      expect(await run([empty, "--format", format, "--model", "register"])).toBe(2);
      expect(io.err).toContain(`${empty}:1: the file is empty`);
      const blank = write(`blank-${format}`, "\n  \n");
      io.err = "";
      expect(await run([blank, "--format", format, "--model", "register"])).toBe(2);
      expect(io.err).toContain(`${blank}:1: the file holds only whitespace`);
    }
    expect(io.out).toBe("");
  });

  it("a history with no operation: [] , {\"operations\": []}, an EDN vector of nothing, a log without op lines", async () => {
    const cases: [string, string, string][] = [
      ["a.json", "[]", "json"],
      ["b.json", '{"operations": []}', "json"],
      ["c.edn", "[]", "jepsen-edn"],
      ["e.log", "INFO  some.other.logger - starting\nDEBUG nothing here\n", "jepsen-etcd-log"],
      ["f.edn", "; only a comment\n", "kv-edn-lines"],
    ];
    for (const [name, text, format] of cases) {
      io.err = "";
      const file = write(name, text);
      expect(await run([file, "--format", format, "--model", "register"]), name).toBe(2);
      expect(io.err, name).toContain(`${file}:1: no client operations to check: `);
    }
    expect(io.out).toBe("");
  });

  it("a real history whose client ops all failed, or with only nemesis events, is not garbage (Knossos: linearizable)", async () => {
    const failed = write("allfail.edn", "[{:process 0 :type :invoke :f :write :value 1}\n {:process 0 :type :fail :f :write :value 1}]");
    expect(await run([failed, "--format", "jepsen-edn", "--model", "register"])).toBe(0);
    const nemesis = write("nemesis.edn", "[{:process :nemesis :type :info :f :start :value nil}]");
    expect(await run([nemesis, "--format", "jepsen-edn", "--model", "register"])).toBe(0);
  });

  it(`a random 50 MB file (xorshift32 seed ${RANDOM_SEED}), in every format`, async () => {
    const file = write("random.bin", randomBytes(50 * 1024 * 1024, RANDOM_SEED));
    for (const format of historyFormats) {
      io.err = "";
      expect(await run([file, "--format", format, "--model", "register"]), `seed ${RANDOM_SEED}, ${format}`).toBe(2);
      expect(io.err).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+: not a text file: a NUL byte at offset \\d+`));
    }
    expect(io.out).toBe("");
  }, 60_000);

  it("text that is not UTF-8, naming the line and offset", async () => {
    const file = write("latin1.edn", Buffer.concat([Buffer.from("[{:process 0 :type :invoke :f :write :value 1}\n {:value \""), Buffer.from([0xe9, 0x22, 0x7d, 0x5d])]));
    expect(await run([file, "--format", "jepsen-edn", "--model", "register"])).toBe(2);
    expect(io.err).toContain(`${file}:2: not UTF-8 text: byte 0xe9 at offset 57`);
  });

  it("values nested deep enough to exhaust the stack: bad input, not a crash", async () => {
    const edn = write("deep.edn", `[{:process 0 :type :invoke :f :write :value ${"[".repeat(100_000)}${"]".repeat(100_000)}} {:process 0 :type :ok :f :write :value 1}]`);
    expect(await run([edn, "--format", "jepsen-edn", "--model", "register"])).toBe(2);
    expect(io.err).toContain(`${edn}:1: values nest too deeply to read`);
    io.err = "";
    const json = write("deep.json", `[{"process": 0, "f": "write", "call": 0, "return": 1,\n "value": ${"[".repeat(5000)}${"]".repeat(5000)}}]`);
    expect(await run([json, "--format", "json", "--model", "register"])).toBe(2);
    expect(io.err).toContain(`${json}:2: values nest more than 1000 deep`);
    io.err = "";
    const bare = write("deep2.json", `${"[".repeat(200_000)}${"]".repeat(200_000)}`);
    expect(await run([bare, "--format", "json", "--model", "register"])).toBe(2);
    expect(io.err).toContain(`${bare}:1: values nest more than 1000 deep`);
  });

  it("an op the model does not define is bad input, not a violation of the user's system", async () => {
    const put = write("put.edn", "[{:process 0 :type :invoke :f :write :value 1}\n {:process 0 :type :ok :f :write :value 1}\n {:process 1 :type :invoke :f :put :value 2}\n {:process 1 :type :ok :f :put :value 2}]");
    expect(await run([put, "--format", "jepsen-edn", "--model", "register"])).toBe(2);
    expect(io.err).toContain(`${put}:4: model register has no operation :put (it knows :read, :write)`);
    expect(io.out).toBe("");

    io.err = "";
    const cas = write("cas.json", JSON.stringify([{ process: 0, f: "cas", value: 3, call: 0, return: 1 }]));
    expect(await run([cas, "--format", "json", "--model", "cas-register"])).toBe(2);
    expect(io.err).toContain(`${cas}:1: :cas needs the value [old new], got 3`);

    io.err = "";
    const keyless = write("keyless.json", JSON.stringify([{ process: 0, f: "put", value: "x", call: 0, return: 1 }]));
    expect(await run([keyless, "--format", "json", "--model", "kv"])).toBe(2);
    expect(io.err).toContain(":put names no key");

    io.err = "";
    const lock = write("lock.json", JSON.stringify([{ process: 0, f: "lock", value: null, call: 0, return: 1 }]));
    expect(await run([lock, "--format", "json", "--model", "mutex"])).toBe(2);
    expect(io.err).toContain("model mutex has no operation :lock (it knows :acquire, :release)");
  });

  it("one process's ops overlapping in a json history, or following its info op: bad input naming both lines", async () => {
    const overlap = write("overlap.json", `[\n{"process": 0, "f": "write", "value": 1, "call": 0, "return": 5},\n{"process": 0, "f": "read", "value": null, "output": 1, "call": 3, "return": 6}\n]`);
    expect(await run([overlap, "--format", "json", "--model", "register"])).toBe(2);
    expect(io.err).toContain(`${overlap}:3: process 0 calls an op at 3 while its op from line 2 is pending (called 0, returns 5)`);
    io.err = "";
    const afterInfo = write("afterinfo.json", `[\n{"process": 0, "f": "write", "value": 1, "call": 0, "type": "info"},\n{"process": 0, "f": "read", "value": null, "output": 1, "call": 3, "return": 6}\n]`);
    expect(await run([afterInfo, "--format", "json", "--model", "register"])).toBe(2);
    expect(io.err).toContain(`${afterInfo}:3: process 0 calls an op at 3 after its op of unknown outcome on line 2`);
    // Ops that touch (one returns at the instant the next is called) are sequential.
    const touching = write("touch.json", `[{"process": 0, "f": "write", "value": 2, "call": 1, "return": 3}, {"process": 0, "f": "read", "value": null, "output": 2, "call": 3, "return": 4}]`);
    expect(await run([touching, "--format", "json", "--model", "register"])).toBe(0);
  });

  it("the same op a model does define still checks (the refusal is not blanket)", async () => {
    const file = write("ok.json", JSON.stringify([{ process: 0, f: "write", value: 1, call: 0, return: 1 }, { process: 1, f: "read", value: null, output: 1, call: 2, return: 3 }]));
    expect(await run([file, "--format", "json", "--model", "register"])).toBe(0);
    expect(io.out).toMatch(/^linearizable/);
  });

  it("a model name that is an Object property is an unknown model, not a crash", async () => {
    const file = write("one.json", JSON.stringify([{ process: 0, f: "write", value: 1, call: 0, return: 1 }]));
    expect(await run([file, "--format", "json", "--model", "toString"])).toBe(2);
    expect(io.err).toContain("unknown model 'toString'");
  });
});

describe("quorate check --manifest never comes out green on bad files", () => {
  const good = JSON.stringify([{ process: 0, f: "write", value: 1, call: 0, return: 1 }]);
  const notLin = JSON.stringify([{ process: 0, f: "write", value: 1, call: 0, return: 1 }, { process: 1, f: "read", value: null, output: 2, call: 2, return: 3 }]);

  it("an unreadable file without an expectation exits 2; a not-linearizable one without expectation exits 1", async () => {
    write("g.json", good);
    write("empty.json", "");
    write("n.json", notLin);
    const unreadable = write("m1.json", JSON.stringify({ histories: [{ file: "g.json", format: "json", model: "register" }, { file: "empty.json", format: "json", model: "register" }] }));
    expect(await run(["--manifest", unreadable, "--workers", "1"])).toBe(2);
    expect(io.out).toContain("ERROR");
    expect(io.out).toContain("empty.json:1: the file is empty");
    io.out = "";
    const violation = write("m2.json", JSON.stringify({ histories: [{ file: "g.json", format: "json", model: "register" }, { file: "n.json", format: "json", model: "register" }] }));
    expect(await run(["--manifest", violation, "--workers", "1", "--json"])).toBe(1);
    expect(JSON.parse(io.out).mismatches).toBe(0);
  });

  it("a manifest listing nothing is bad input", async () => {
    const file = write("none.json", JSON.stringify({ histories: [] }));
    expect(await run(["--manifest", file])).toBe(2);
    expect(io.err).toContain('none.json:1: field "histories" must NOT have fewer than 1 items');
  });
});

describe("quorate check refuses flags that do not apply", () => {
  it("--html, --format, --model and --initial with --manifest", async () => {
    const manifest = write("m.json", JSON.stringify({ histories: [{ file: "g.json", format: "json", model: "register" }] }));
    for (const extra of [["--html", path.join(dir, "x.html")], ["--format", "json"], ["--model", "kv"], ["--initial", "0"]]) {
      io.err = "";
      expect(await run(["--manifest", manifest, ...extra])).toBe(2);
      expect(io.err).toContain(`${extra[0]} does not apply to --manifest`);
    }
    expect(io.out).toBe("");
  });

  it("a flag given twice", async () => {
    expect(await run(["x.json", "--format", "json", "--format", "json", "--model", "register"])).toBe(2);
    expect(io.err).toContain("--format is given more than once");
  });
});

describe("quorate check --json reports bad input as JSON too", () => {
  it("an empty file: exit 2, the message on stderr and one JSON error object on stdout", async () => {
    const empty = write("empty-json-report", "");
    io.err = "";
    io.out = "";
    expect(await run([empty, "--format", "json", "--model", "register", "--json"])).toBe(2);
    expect(io.err).toContain(`${empty}:1: the file is empty`);
    const lines = io.out.trim().split("\n");
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!) as { ok: unknown; error: { code: unknown; message: unknown } };
    expect(report.ok).toBe(false);
    expect(report.error.code).toBe("HISTORY_PARSE");
    expect(report.error.message).toContain(`${empty}:1: the file is empty`);
  });

  it("bad usage under --json: the code is USAGE", async () => {
    io.out = "";
    expect(await run(["--manifest", "m.json", "--model", "register", "--json"])).toBe(2);
    expect(JSON.parse(io.out.trim()) as unknown).toMatchObject({ ok: false, error: { code: "USAGE" } });
  });
});
