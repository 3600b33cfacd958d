import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { run } from "../../src/adapters/cli/commands/verify-trace.js";
import { TRACE_RECORD_TYPES, TraceFormatError, parseTrace, verifyRaftTrace } from "../../src/check/invariants/index.js";

const root = path.resolve(import.meta.dirname, "../..");
const read = (p: string) => readFileSync(path.join(root, p), "utf8");

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const code = await run(argv);
    return { code, out: out.mock.calls.map((c) => String(c[0])).join(""), err: err.mock.calls.map((c) => String(c[0])).join("") };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe("NDJSON trace format", () => {
  it("the worked example passes and the violating example fails at the line where node 3 takes over", () => {
    expect(verifyRaftTrace(read("examples/raft-trace.ndjson"))).toMatchObject({ ok: true, records: 34, violations: [] });
    const bad = verifyRaftTrace(read("examples/raft-trace-violation.ndjson"));
    expect(bad.ok).toBe(false);
    expect(bad.violations[0]).toMatchObject({ invariant: "leader-completeness", step: 18, node: 3 });
  });

  it("the JSON Schema describes exactly the record types the parser accepts, with the same required fields", () => {
    const schema = JSON.parse(read("schemas/raft-trace.schema.json")) as {
      $defs: Record<string, { required: string[]; properties: Record<string, unknown> }>;
    };
    expect(Object.keys(schema.$defs).sort()).toEqual([...TRACE_RECORD_TYPES].sort());
    // Every required field is enforced by the parser: dropping it from a valid record is an error naming it.
    const samples: Record<string, Record<string, unknown>> = {};
    for (const line of read("examples/raft-trace.ndjson").trim().split("\n")) {
      const r = JSON.parse(line) as Record<string, unknown>;
      samples[r["type"] as string] ??= r;
    }
    for (const [type, sample] of Object.entries(samples)) {
      for (const field of schema.$defs[type]!.required.filter((f) => f !== "type")) {
        const { [field]: _dropped, ...rest } = sample;
        expect(() => parseTrace(JSON.stringify(rest)), `${type} without ${field}`).toThrow(field);
      }
    }
    expect(Object.keys(samples).length).toBeGreaterThanOrEqual(10);
  });

  it("malformed lines are typed errors naming the line and the field", () => {
    const cases: [string, string][] = [
      ['{"type":"cluster","nodes":[1]}\nnot json', "line 2: not valid JSON"],
      ['{"type":"bogus"}', 'field "type"'],
      ['{"type":"state","t":1,"node":0,"term":1,"role":"leader","vote":0,"commit":0,"applied":0}', 'field "node"'],
      ['{"type":"state","t":1,"node":1,"term":1,"role":"boss","vote":0,"commit":0,"applied":0}', 'field "role"'],
      ['{"type":"log","t":1,"node":1,"from":1,"entries":[[1]]}', 'field "entries"[0]'],
      ['{"type":"durable","t":1,"node":1,"term":1,"vote":0,"entries":[]}', 'field "entries" needs "from"'],
      ['{"type":"ok","t":1,"client":1,"id":"x","f":"cas"}', 'field "f"'],
      ["[1,2]", "must be a JSON object"],
    ];
    for (const [text, message] of cases) {
      let error: unknown;
      try {
        parseTrace(text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TraceFormatError);
      expect((error as TraceFormatError).code).toBe("E_TRACE_FORMAT");
      expect((error as Error).message).toContain(message);
    }
  });

  it("quorate verify-trace: exit 0 on the example, 1 with --json violations, 2 naming a bad argument", async () => {
    const good = await cli([path.join(root, "examples/raft-trace.ndjson"), "--protocol", "raft"]);
    expect(good.code).toBe(0);
    expect(good.out).toContain("every Raft invariant held");
    const bad = await cli([path.join(root, "examples/raft-trace-violation.ndjson"), "--protocol", "raft", "--json"]);
    expect(bad.code).toBe(1);
    const verdict = JSON.parse(bad.out) as { ok: boolean; violations: { invariant: string }[] };
    expect(verdict.ok).toBe(false);
    expect(verdict.violations.map((v) => v.invariant)).toContain("election-safety");
    const noProtocol = await cli([path.join(root, "examples/raft-trace.ndjson")]);
    expect(noProtocol.code).toBe(2);
    expect(noProtocol.err).toContain("--protocol");
    const missing = await cli(["/nonexistent/trace.ndjson", "--protocol", "raft"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("cannot read FILE");
    const unknownFlag = await cli(["x", "--protocol", "raft", "--bogus"]);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.err).toContain("--bogus");
  });
});
