/**
 * The ZooKeeper tree core conforms to spec/zk.qnt: spec traces, as vectors, replay transaction by transaction
 * on the core's public `step` with no mismatch (abstraction function: src/adapters/conformance/zk.ts). Mutated
 * copies of the core (under .cache/) fail, naming trace, step and variable.
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../src/adapters/conformance/quint.js";
import { generateTraces } from "../../src/adapters/conformance/traces.js";
import { describeMismatch } from "../../src/adapters/conformance/vector.js";
import { replayZkVector, zkVectorFromItf, type ZkVector } from "../../src/adapters/conformance/zk.js";
import { loadCoreMutant, QUINT_TIMEOUT_MS } from "./core-mutants.js";

const request = { protocol: "zk" as const, seed: "20261125", traces: 40, steps: 40, dir: path.join(packageRoot, ".cache", "conformance", "zk") };
let vectors: ZkVector[] = [];

beforeAll(async () => {
  vectors = (await generateTraces(request)).map((t) => zkVectorFromItf(t.trace, t.source));
}, QUINT_TIMEOUT_MS);

describe("ZooKeeper tree core conformance to spec/zk.qnt", () => {
  it("replays every spec trace transaction by transaction without a mismatch", () => {
    expect(vectors.length).toBe(request.traces);
    // The traces reach the interesting outcomes (else "no mismatch" would say little).
    const results = new Set(vectors.flatMap((v) => v.steps.map((s) => s.outputs[0]?.error)));
    for (const e of ["ok", "NONODE", "NODEEXISTS", "BADVERSION", "NOTEMPTY"]) expect(results).toContain(e);
    expect(vectors.some((v) => v.steps.some((s) => s.outputs[0]?.path?.includes("lock-000000000") === true))).toBe(true);
    const failures = vectors.flatMap((v) => replayZkVector(v)).map(describeMismatch);
    expect(failures, `regenerate with ${vectors[0]?.source.command}`).toEqual([]);
  });

  it("reports a wrong expectation with trace, step and variable", () => {
    const v = vectors.find((x) => x.steps.some((s) => s.action === "setData" && s.outputs[0]?.error === "ok"))!;
    const k = v.steps.findIndex((s) => s.action === "setData" && s.outputs[0]?.error === "ok");
    const target = v.steps[k]!;
    const p = (target.input as { path: string }).path;
    const broken: ZkVector = {
      ...v,
      steps: v.steps.map((s, i) => (i !== k ? s : { ...s, state: { ...s.state, nodes: { ...s.state.nodes, [p]: { ...s.state.nodes[p]!, version: 99 } } } })),
    };
    const mm = replayZkVector(broken);
    expect(mm.map((m) => [m.step, m.variable])).toEqual([[target.step, `node ${p} version`]]);
    expect(describeMismatch(mm[0]!)).toContain(`zk.qnt seed 20261125 trace ${v.source.trace} step ${target.step} (setData): node ${p} version`);
  });

  const mutants = [
    {
      name: "sequence-from-child-count",
      why: "the sequential suffix from the current child count instead of children ever created",
      file: "apply.ts",
      find: "String(parent.cversion).padStart(10, \"0\")",
      replace: "String(parent.children.size).padStart(10, \"0\")",
    },
    {
      name: "ephemerals-survive-close",
      why: "closeSession forgetting the session's ephemerals",
      file: "apply.ts",
      find: "  for (const path of paths) removeNode(ctx, path, parentOf(path)!);\n",
      replace: "",
    },
    {
      name: "setdata-ignores-version",
      why: "a conditional setData that does not check the version",
      file: "apply.ts",
      find: "  if (!versionMatches(node.version, req.version)) return fail(Code.BADVERSION);\n  if (tooLarge(req.data)) return fail(Code.BADARGUMENTS);\n  const old = { data: node.data,",
      replace: "  if (tooLarge(req.data)) return fail(Code.BADARGUMENTS);\n  const old = { data: node.data,",
    },
  ];
  for (const m of mutants) {
    it(`a core mutant fails conformance: ${m.name} (${m.why})`, async () => {
      const core = await loadCoreMutant<Parameters<typeof replayZkVector>[1]>("zk", m);
      const mismatches = vectors.flatMap((v) => replayZkVector(v, core));
      expect(mismatches.length, `mutant ${m.name} passed every trace`).toBeGreaterThan(0);
    });
  }
});
