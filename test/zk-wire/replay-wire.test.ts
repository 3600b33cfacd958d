// `zk-replay --wire`: a transcript replayed over ZooKeeper's wire protocol (frames to quorate's wire server on a
// loopback port) must give exactly the answers of the in-process replay, which the golden corpus pins to a real
// ZooKeeper 3.8. The transcript below is written for this test (every kind of step, raw frames included).
import { describe, expect, it } from "vitest";
import path from "node:path";
import { loadTranscript, normaliseRun, parseTranscript, replayTranscript, runTranscript, runTranscriptOverWire, transcriptFiles } from "../../src/adapters/zk/replay/index.js";

const steps: Record<string, unknown>[] = [
  { session: "a", op: "create", path: "/w", data: "x" },
  { session: "b", op: "getData", path: "/w", watch: true },
  { session: "b", op: "getChildren2", path: "/w", watch: true },
  { session: "b", op: "exists", path: "/w/e", watch: true },
  { session: "a", op: "create", path: "/w/e", mode: "EPHEMERAL" },
  { session: "a", op: "setData", path: "/w", data: "y", version: 0 },
  { session: "a", op: "setData", path: "/w", data: "z", version: 0 },
  { session: "a", op: "create2", path: "/w/s-", mode: "PERSISTENT_SEQUENTIAL" },
  { session: "a", op: "create", path: "/w/c", mode: "CONTAINER" },
  { session: "a", op: "create", path: "/w/c/k" },
  { session: "a", op: "delete", path: "/w/c/k" },
  { session: "a", op: "create", path: "/ttl", mode: "PERSISTENT_WITH_TTL", ttl: 100 },
  { wait_ms: 2100 },
  { session: "b", op: "addWatch", path: "/w", mode: "PERSISTENT_RECURSIVE" },
  { session: "a", op: "multi", ops: [{ op: "create", path: "/w/m" }, { op: "check", path: "/w", version: 2 }, { op: "setData", path: "/w/m", data: "1" }] },
  { session: "a", op: "multi", ops: [{ op: "create", path: "/w/n" }, { op: "delete", path: "/nope" }] },
  { session: "a", op: "multiRead", ops: [{ op: "getData", path: "/w" }, { op: "getChildren", path: "/w" }, { op: "getData", path: "/nope" }] },
  { session: "b", op: "checkWatches", path: "/w", type: "ANY" },
  { session: "b", op: "removeWatches", path: "/w", type: "ANY" },
  { session: "a", op: "getEphemerals", prefix: "/" },
  { session: "a", op: "getAllChildrenNumber", path: "/w" },
  { session: "a", op: "addAuth", scheme: "digest", auth: "u:p" },
  { session: "a", op: "whoAmI" },
  { session: "a", op: "setACL", path: "/w/m", acl: [{ perms: "READ", scheme: "world", id: "anyone" }] },
  { session: "b", op: "getACL", path: "/w/m" },
  { session: "b", op: "setData", path: "/w/m", data: "no" },
  { session: "a", op: "sync", path: "/w" },
  { session: "b", op: "getData", path: "/w", watch: true },
  { disconnect: "b" },
  { session: "b", op: "getData", path: "/w" },
  { session: "a", op: "setData", path: "/w", data: "while b is away" },
  { reconnect: "b" },
  { session: "b", op: "setWatches", relative_zxid: 1, data: ["/w"], exist: ["/w/new"], child: ["/w"] },
  { session: "a", op: "create", path: "/w/new" },
  { session: "a", op: "create", path: "/w/big", data: { len: 1_048_600 } },
  { reconnect: "a" },
  { open: "c", timeout_ms: 400 },
  { session: "c", op: "create", path: "/w/c-eph", mode: "EPHEMERAL" },
  { session: "b", op: "exists", path: "/w/c-eph", watch: true },
  { expire: "c" },
  { session: "c", op: "exists", path: "/w" },
  { session: "a", op: "raw", opcode: 77, body_hex: "" },
  { session: "a", op: "getData", path: "/w" },
  { reconnect: "a" },
  { session: "a", op: "delete", path: "/w/s-0000000001" },
  { close: "b" },
  { session: "b", op: "exists", path: "/w" },
];

function transcript(list: Record<string, unknown>[]) {
  const json = {
    format: "zk-golden/1",
    id: "wire-equivalence",
    title: "every kind of step, in process and over the wire",
    topics: [],
    sessions: { a: { timeout_ms: 4000 }, b: { timeout_ms: 4000 } },
    opened: { a: { timeout_ms: 4000, read_only: false }, b: { timeout_ms: 4000, read_only: false } },
    steps: list.map((step) => ({ step, result: {}, zxid_after: 0 })),
  };
  return parseTranscript("wire-equivalence.json", JSON.stringify(json));
}

const recordings = await transcriptFiles(path.resolve(import.meta.dirname, "../data/zk"));

describe("zk-replay --wire", () => {
  it("finds the project's recordings", () => {
    expect(recordings.length).toBeGreaterThanOrEqual(6);
  });

  // The project's own recordings of a real ZooKeeper 3.8.0 (test/data/zk/) pass over the wire too, zero skips.
  for (const file of recordings) {
    it(`${path.basename(file)} over the wire`, async () => {
      const report = await replayTranscript(await loadTranscript(file), { wire: true });
      expect({ status: report.status, step: report.step, diff: report.diff, skipped: report.skipped }).toEqual({ status: "pass", step: undefined, diff: undefined, skipped: [] });
    }, 60_000);
  }

  it("gives the in-process replay's answers, step for step, with nothing skipped", async () => {
    const t = transcript(steps);
    const [inProcess, overWire] = await Promise.all([runTranscript(t), runTranscriptOverWire(t)]);
    expect(overWire.opened).toEqual(inProcess.opened);
    expect(overWire.steps.filter((s) => s.skip !== undefined)).toEqual([]);
    const a = normaliseRun(inProcess);
    const b = normaliseRun(overWire);
    for (let i = 0; i < steps.length; i++) expect(b[i], `step ${i}: ${JSON.stringify(steps[i])}`).toEqual(a[i]);
    // The replay exercised what it claims: events were delivered, the expiry and the unknown opcode were answered.
    expect(a.some((s) => Object.keys(s.events).length > 0)).toBe(true);
    expect(JSON.stringify(a)).toContain("UNIMPLEMENTED");
    expect(JSON.stringify(a)).toContain("SESSIONEXPIRED");
  }, 60_000);

  it("has teeth: a different step sequence gives different answers", async () => {
    const t = transcript(steps);
    const changed = transcript(steps.map((s, i) => (i === 5 ? { ...s, version: 7 } : s)));
    const [a, b] = await Promise.all([runTranscriptOverWire(t), runTranscriptOverWire(changed)]);
    expect(normaliseRun(b)[5]).not.toEqual(normaliseRun(a)[5]);
  }, 60_000);
});
