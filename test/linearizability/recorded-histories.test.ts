// The histories recorded from real etcd and ZooKeeper (test/data/histories/recorded, see its README): every one is
// linearizable, and a copy with one read changed to a value nobody wrote is not. The manifest runner gives the same
// verdicts on this thread and on worker threads.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkLinearizability, modelByName, parseHistory, parseManifest } from "../../src/check/linearizability/index.js";
import type { CheckJob } from "../../src/check/linearizability/jobs.js";
import { runJobs } from "../../src/check/linearizability/pool.js";

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../data/histories/recorded");
const manifestPath = path.join(dir, "expected.json");
const entries = parseManifest(readFileSync(manifestPath, "utf8"), manifestPath);

function verdictOf(text: string, model: string, file: string): string {
  return checkLinearizability(parseHistory(text, "jepsen-edn", file), modelByName(model)).verdict;
}

/** Replaces the value of the `nth` completed read (or get) with `replacement`. */
function corruptRead(text: string, nth: number, replacement: string): string {
  let seen = 0;
  return text
    .split("\n")
    .map((line) => {
      const m = /^(.*:type :ok, :f :(?:read|get)(?:, :key "[^"]*")?, :value )(nil|-?\d+|"[^"]*")(, .*)$/.exec(line);
      if (m === null || seen++ !== nth) return line;
      return `${m[1]}${replacement}${m[3]}`;
    })
    .join("\n");
}

describe("histories recorded from real etcd and ZooKeeper", () => {
  it("lists 30 files of both systems and both workloads, each about 1,500 ops", () => {
    expect(entries).toHaveLength(30);
    for (const prefix of ["etcd-register", "etcd-kv", "zk-register", "zk-kv"]) expect(entries.filter((e) => e.file.startsWith(prefix)).length).toBeGreaterThanOrEqual(7);
    for (const e of entries) {
      const ops = parseHistory(readFileSync(path.join(dir, e.file), "utf8"), "jepsen-edn", e.file);
      expect(ops.length, e.file).toBeGreaterThan(1000);
      expect(ops.filter((op) => op.output === undefined).length, `${e.file}: ops of unknown outcome`).toBeGreaterThanOrEqual(3);
    }
  });

  it.each(entries.map((e) => [e.file, e.model, e.expected] as const))("%s is %s-%s", (file, model, expected) => {
    expect(verdictOf(readFileSync(path.join(dir, file), "utf8"), model, file)).toBe(expected);
  });

  it.each([
    ["etcd-register-101.edn", "cas-register", "77"],
    ["zk-register-203.edn", "cas-register", "nil"],
    ["etcd-kv-102.edn", "kv", '"never written"'],
    ["zk-kv-210.edn", "kv", '""'],
  ])("a copy of %s with one read changed is not linearizable (%s, read → %s)", (file, model, replacement) => {
    const text = readFileSync(path.join(dir, file), "utf8");
    const corrupted = corruptRead(text, 50, replacement); // early: before the first :info op, whose unknown outcome would make the refutation exponential
    expect(corrupted).not.toBe(text);
    expect(verdictOf(corrupted, model, file)).toBe("not-linearizable");
  });

  it("gives the same verdicts on this thread and on worker threads", async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), "quorate-recorded-"));
    const bad = path.join(tmp, "bad.edn");
    writeFileSync(bad, corruptRead(readFileSync(path.join(dir, "etcd-register-105.edn"), "utf8"), 50, "42"));
    const files = [...entries.slice(0, 5).map((e) => ({ file: path.join(dir, e.file), model: e.model })), { file: bad, model: "cas-register" }];
    const jobs: CheckJob[] = files.map((f, id) => ({ id, path: f.file, label: path.basename(f.file), format: "jepsen-edn", model: f.model }));
    const here = await runJobs(jobs, 1);
    const onWorkers = await runJobs(jobs, 2, { inProcessBudgetMs: 0 });
    expect(here.map((r) => r.verdict)).toEqual(["linearizable", "linearizable", "linearizable", "linearizable", "linearizable", "not-linearizable"]);
    expect(onWorkers.map((r) => [r.id, r.verdict])).toEqual(here.map((r) => [r.id, r.verdict]));
  });
});
