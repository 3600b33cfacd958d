// `zk-replay --wire`: a transcript replayed over ZooKeeper's wire protocol (frames to quorate's wire server on a
// loopback port) must give exactly the answers of the in-process replay, which the golden corpus pins to a real
// ZooKeeper 3.8. The transcript below is written for this test (every kind of step, raw frames included).
import { describe, expect, it, vi } from "vitest";
import path from "node:path";
import { run as zkReplay } from "../../src/adapters/cli/commands/zk-replay.js";
import { loadTranscript, normaliseRun, parseTranscript, replayTranscript, runTranscript, runTranscriptOverWire, transcriptFiles } from "../../src/adapters/zk/replay/index.js";
import { ensembleTarget } from "../../src/adapters/zk/replay/targets.js";

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
  // Frames that are not ordinary requests: a reconfig (RECONFIGDISABLED, a zxid), a setData body that does not
  // parse (MARSHALLINGERROR, a zxid), a getData body that does not parse (MARSHALLINGERROR, none), odd create flags.
  { session: "a", op: "raw", opcode: 16, body_hex: "ff".repeat(20) },
  { session: "a", op: "raw", opcode: 5, body_hex: "0000" },
  { session: "a", op: "raw", opcode: 4, body_hex: "00" },
  { session: "a", op: "create", path: "/w/f", flags: 1000 },
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

// Issue 15 item 5, the ensemble half: the same transcripts against three replicas of the replicated core in this
// process (Raft on a simulated clock the replayer moves), a wire server in front of each member and the sessions'
// connections spread over the members. Every answer must be the single ZooKeeper's.
describe("zk-replay --wire --ensemble 3", () => {
  for (const file of recordings) {
    it(`${path.basename(file)} over the wire against a 3-member ensemble`, async () => {
      const report = await replayTranscript(await loadTranscript(file), { wire: true, ensemble: 3 });
      expect({ status: report.status, step: report.step, diff: report.diff, skipped: report.skipped }).toEqual({ status: "pass", step: undefined, diff: undefined, skipped: [] });
    }, 60_000);
  }

  for (const members of [1, 5]) {
    it(`the sessions, expiry and reaper recordings pass against ${members} member${members === 1 ? "" : "s"} too`, async () => {
      const chosen = recordings.filter((f) => /q0[46]-/.test(path.basename(f)));
      expect(chosen).toHaveLength(2);
      for (const file of chosen) {
        const report = await replayTranscript(await loadTranscript(file), { wire: true, ensemble: members });
        expect({ file: path.basename(file), status: report.status, diff: report.diff }).toEqual({ file: path.basename(file), status: "pass", diff: undefined });
      }
    }, 60_000);
  }

  it("gives the in-process replay's answers, step for step, with nothing skipped", async () => {
    const t = transcript(steps);
    const [inProcess, ensemble] = await Promise.all([runTranscript(t), runTranscriptOverWire(t, { ensemble: 3 })]);
    expect(ensemble.opened).toEqual(inProcess.opened);
    expect(ensemble.steps.filter((s) => s.skip !== undefined)).toEqual([]);
    const a = normaliseRun(inProcess);
    const b = normaliseRun(ensemble);
    for (let i = 0; i < steps.length; i++) expect(b[i], `step ${i}: ${JSON.stringify(steps[i])}`).toEqual(a[i]);
    for (const code of ["UNIMPLEMENTED", "SESSIONEXPIRED", "RECONFIGDISABLED", "MARSHALLINGERROR"]) expect(JSON.stringify(a)).toContain(code);
  }, 60_000);

  it("runs on the single node's clock: every ctime and mtime is the same millisecond as on the single node", async () => {
    const times = (x: unknown, out: number[] = []): number[] => {
      if (x !== null && typeof x === "object") {
        for (const [k, v] of Object.entries(x)) {
          if ((k === "ctime" || k === "mtime") && typeof v === "number") out.push(v);
          else times(v, out);
        }
      }
      return out;
    };
    const t = transcript(steps);
    const [single, ensemble] = await Promise.all([runTranscriptOverWire(t), runTranscriptOverWire(t, { ensemble: 3 })]);
    const expected = times(single.steps.map((s) => s.result));
    // The transcript creates nodes after a wait, a TTL reap and a session expiry: their times would drift apart.
    expect(new Set(expected).size).toBeGreaterThan(5);
    expect(times(ensemble.steps.map((s) => s.result))).toEqual(expected);
  }, 60_000);

  it("answers as the single node over the wire to the frames only a wire client sends, and to timeouts out of range", async () => {
    const wireOnly: Record<string, unknown>[] = [
      { session: "a", op: "create", path: "/x", data: "1" },
      { session: "b", op: "getData", path: "/x", watch: true },
      { session: "a", op: "addAuth", scheme: "bogus", auth: "u" }, // AUTHFAILED, then the server closes
      { session: "a", op: "getData", path: "/x" },
      { reconnect: "a" },
      { session: "a", op: "raw", opcode: -10, body_hex: "00" }, // createSession after the handshake: an error transaction
      { session: "a", op: "raw", opcode: 13, body_hex: "000000022f7800000000" }, // a standalone check: not served, closed
      { reconnect: "a" },
      { session: "a", op: "raw", opcode: 102, body_hex: "00" }, // sasl
      { session: "a", op: "raw", opcode: 1, body_hex: "0000" }, // a create body that does not parse
      { session: "a", op: "raw", opcode: 3, body_hex: "00" }, // an exists body that does not parse
      { session: "a", op: "raw", opcode: 9, body_hex: "000000022f78" }, // sync as raw bytes
      { session: "b", op: "setData", path: "/x", data: "2" },
      { open: "c", timeout_ms: 100 },
      { open: "d", timeout_ms: 100_000 },
      { session: "c", op: "create", path: "/x/e", mode: "EPHEMERAL" },
      { disconnect: "c" },
      { expire: "c" },
      { session: "d", op: "getChildren2", path: "/x" },
      { session: "a", op: "raw", opcode: -11, body_hex: "" }, // closeSession as raw bytes
      { session: "d", op: "exists", path: "/x" },
    ];
    const t = transcript(wireOnly);
    const [single, ensemble] = await Promise.all([runTranscriptOverWire(t), runTranscriptOverWire(t, { ensemble: 3 })]);
    const a = normaliseRun(single);
    const b = normaliseRun(ensemble);
    for (let i = 0; i < wireOnly.length; i++) expect(b[i], `step ${i}: ${JSON.stringify(wireOnly[i])}`).toEqual(a[i]);
    for (const code of ["AUTHFAILED", "MARSHALLINGERROR", "UNIMPLEMENTED", "SESSIONEXPIRED"]) expect(JSON.stringify(a)).toContain(code);
  }, 60_000);

  it("spreads the connections over every member in turn", async () => {
    const target = await ensembleTarget(transcript(steps), 3);
    try {
      const ports = Array.from({ length: 6 }, () => target.nextPort());
      expect(new Set(ports).size).toBe(3);
      expect(ports.slice(3)).toEqual(ports.slice(0, 3));
    } finally {
      await target.close();
    }
  });

  it("has teeth: members configured unlike the recording server (TTL nodes on) fail the recording without them", async () => {
    const file = recordings.find((f) => path.basename(f).startsWith("q02-"))!;
    const recorded = await loadTranscript(file);
    expect(recorded.server.extendedTypesEnabled).toBe(false);
    expect((await replayTranscript(recorded, { wire: true, ensemble: 3 })).status).toBe("pass");
    const mutant = { ...recorded, server: { ...recorded.server, extendedTypesEnabled: true } };
    const report = await replayTranscript(mutant, { wire: true, ensemble: 3 });
    expect(report.status).toBe("fail");
    expect(report.diff?.expected).toBe("UNIMPLEMENTED");
  }, 60_000);

  it("the CLI: --wire --ensemble 3 passes the recordings (exit 0); --ensemble without --wire or out of range is bad usage (2)", async () => {
    const dir = path.resolve(import.meta.dirname, "../data/zk");
    const out: string[] = [];
    const err: string[] = [];
    const spyOut = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
    const spyErr = vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
    try {
      expect(await zkReplay([dir, "--wire", "--ensemble", "3"])).toBe(0);
      expect(await zkReplay([dir, "--ensemble", "3"])).toBe(2);
      expect(await zkReplay([dir, "--wire", "--ensemble", "0"])).toBe(2);
      expect(await zkReplay([dir, "--wire", "--ensemble", "x"])).toBe(2);
    } finally {
      spyOut.mockRestore();
      spyErr.mockRestore();
    }
    expect(out[0]).toContain(`${recordings.length} passed, 0 failed, 0 skipped (of ${recordings.length}) against a 3-member ensemble`);
    expect(err.join("")).toContain("--ensemble replays over the wire: add --wire");
    expect(err.join("")).toContain("--ensemble: expected an integer 1..7, got '0'");
  }, 120_000);
});
