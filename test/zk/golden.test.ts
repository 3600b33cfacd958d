// Issue 8: every transcript recorded from a real ZooKeeper 3.8.0 in ../shared/zk-golden/ replays through quorate's
// service and matches op by op (a skip is allowed only for wire-level steps quorate does not model).
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadTranscript, parseTranscript, replayTranscript, transcriptFiles } from "../../src/adapters/zk/replay/index.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const goldenDir = path.resolve(repoRoot, "../shared/zk-golden");
const files = await transcriptFiles(goldenDir);

describe("golden ZooKeeper 3.8.0 transcripts", () => {
  it("finds the transcripts", () => {
    expect(files.length).toBeGreaterThanOrEqual(35);
  });

  for (const file of files) {
    it(path.basename(file), async () => {
      const report = await replayTranscript(await loadTranscript(file));
      // A failure shows the first differing step and field, expected vs got.
      expect({ status: report.status, step: report.step, diff: report.diff }).toEqual({ status: report.skipped.length > 0 ? "skip" : "pass", step: undefined, diff: undefined });
      // Skips are allowed only for wire-level steps (raw frames quorate does not decode).
      for (const s of report.skipped) expect(s.reason).toMatch(/raw request|reconfig/);
    });
  }
});

describe("the replayer has teeth", () => {
  const mutate = (file: string, edit: (doc: any) => void) => {
    const doc = JSON.parse(readFileSync(path.join(goldenDir, file), "utf8"));
    edit(doc);
    return parseTranscript(`mutant of ${file}`, JSON.stringify(doc));
  };

  it("reports a wrong visible cversion at its step and field", async () => {
    const r = await replayTranscript(mutate("05-create-modes-stat.json", (d) => (d.steps[7].result.stat.cversion = 7)));
    expect(r).toMatchObject({ status: "fail", step: 7, diff: { field: "result/stat/cversion", expected: 7, got: 6 } });
  });

  it("reports a missing event", async () => {
    const r = await replayTranscript(mutate("31-data-watch.json", (d) => d.steps[3].events = { b: [{ type: "NodeDataChanged", state: "SyncConnected", path: "/d" }] }));
    expect(r).toMatchObject({ status: "fail", step: 3, diff: { field: "events/b" } });
  });

  it("compares unordered events as a multiset, not as a set", async () => {
    const r = await replayTranscript(mutate("46-close-many-ephemerals.json", (d) => (d.steps[9].events.c[0].path = "/p1")));
    expect(r).toMatchObject({ status: "fail", step: 9 });
  });

  it("compares data as bytes and times as labels", async () => {
    const r1 = await replayTranscript(mutate("15-stat-create-setdata.json", (d) => (d.steps[14].result.data = { base64: "AAEC/g==" })));
    expect(r1).toMatchObject({ status: "fail", step: 14, diff: { field: "result/data" } });
    const r2 = await replayTranscript(mutate("51-ttl-expiry.json", (d) => (d.steps[3].result.stat.ctime = "t2")));
    expect(r2).toMatchObject({ status: "fail", step: 3, diff: { field: "result/stat/ctime", expected: "t2", got: "t3" } });
  });

  it("compares zxid_after and the negotiated timeouts", async () => {
    const r1 = await replayTranscript(mutate("22-failed-writes-consume-zxids.json", (d) => (d.steps[1].zxid_after = 1)));
    expect(r1).toMatchObject({ status: "fail", step: 1, diff: { field: "zxid_after", expected: 1, got: 2 } });
    const r2 = await replayTranscript(mutate("43-session-expiry-ephemerals.json", (d) => (d.opened.a.timeout_ms = 300)));
    expect(r2).toMatchObject({ status: "fail", step: "opened" });
  });

  it("honours the ignore list", async () => {
    const r = await replayTranscript(mutate("22-failed-writes-consume-zxids.json", (d) => {
      d.steps[1].zxid_after = 99;
      d.ignore = ["steps/1/zxid_after"];
    }));
    expect(r.status).toBe("pass");
  });
});
