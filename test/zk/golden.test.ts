// The project's own ZooKeeper 3.8 recordings (test/data/zk/, made by scripts/record-zk-transcripts.ts against a
// real server) replay through quorate's service and match op by op; and the replayer has teeth. The third-party
// recordings are replayed by the corpus suite (test/corpus/zk-golden.test.ts).
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadTranscript, parseTranscript, replayTranscript, transcriptFiles } from "../../src/adapters/zk/replay/index.js";

const dataDir = path.resolve(import.meta.dirname, "../data/zk");
const files = await transcriptFiles(dataDir);

describe("ZooKeeper 3.8.0 transcripts recorded by the project", () => {
  it("finds the transcripts", () => {
    expect(files.map((f) => path.basename(f))).toEqual([
      "q01-create-validation.json",
      "q02-create-validation-no-ttl.json",
      "q03-watches-and-versions.json",
      "q04-ephemerals-and-sequence.json",
      "q05-multi.json",
      "q06-containers-and-ttl.json",
    ]);
  });

  for (const file of files) {
    it(path.basename(file), async () => {
      const report = await replayTranscript(await loadTranscript(file));
      // A failure shows the first differing step and field, expected vs got.
      expect({ status: report.status, step: report.step, diff: report.diff }).toEqual({ status: "pass", step: undefined, diff: undefined });
    });
  }
});

describe("the replayer has teeth", () => {
  const mutate = (file: string, edit: (doc: any) => void) => {
    const doc = JSON.parse(readFileSync(path.join(dataDir, file), "utf8"));
    edit(doc);
    return parseTranscript(`mutant of ${file}`, JSON.stringify(doc));
  };

  it("reports a wrong visible cversion at its step and field", async () => {
    const r = await replayTranscript(mutate("q05-multi.json", (d) => (d.steps[4].result.stat.cversion = 7)));
    expect(r).toMatchObject({ status: "fail", step: 4, diff: { field: "result/stat/cversion", expected: 7, got: 2 } });
  });

  it("reports a missing event", async () => {
    const r = await replayTranscript(mutate("q03-watches-and-versions.json", (d) => d.steps[6].events.b.pop()));
    expect(r).toMatchObject({ status: "fail", step: 6, diff: { field: "events/b/1", expected: undefined, got: { type: "NodeChildrenChanged", path: "/w" } } });
  });

  it("compares unordered events as a multiset, not as a set", async () => {
    // A duplicated notification leaves the set of events unchanged but not the multiset.
    const r = await replayTranscript(mutate("q04-ephemerals-and-sequence.json", (d) => d.steps[12].events.c.push(d.steps[12].events.c[1])));
    expect(r).toMatchObject({ status: "fail", step: 12 });
    const reordered = await replayTranscript(mutate("q04-ephemerals-and-sequence.json", (d) => d.steps[12].events.c.reverse()));
    expect(reordered.status).toBe("pass");
  });

  it("compares data as bytes and times as labels", async () => {
    const r1 = await replayTranscript(mutate("q03-watches-and-versions.json", (d) => (d.steps[7].result.data = { base64: "AAEC/g==" })));
    expect(r1).toMatchObject({ status: "fail", step: 7, diff: { field: "result/data" } });
    const sameBytes = await replayTranscript(mutate("q03-watches-and-versions.json", (d) => (d.steps[12].result.data = { base64: Buffer.from("four").toString("base64") })));
    expect(sameBytes.status).toBe("pass");
    const r2 = await replayTranscript(mutate("q03-watches-and-versions.json", (d) => (d.steps[4].result.stat.mtime = "t3")));
    expect(r2).toMatchObject({ status: "fail", step: 4, diff: { field: "result/stat/mtime", expected: "t3", got: "t2" } });
  });

  it("compares zxid_after and the negotiated timeouts", async () => {
    // A failed write (BADVERSION) still uses a zxid.
    const r1 = await replayTranscript(mutate("q03-watches-and-versions.json", (d) => (d.steps[5].zxid_after = 2)));
    expect(r1).toMatchObject({ status: "fail", step: 5, diff: { field: "zxid_after", expected: 2, got: 3 } });
    const r2 = await replayTranscript(mutate("q04-ephemerals-and-sequence.json", (d) => (d.opened.a.timeout_ms = 300)));
    expect(r2).toMatchObject({ status: "fail", step: "opened" });
    // A session asking for 100 ms gets the 2-tick minimum (400 ms).
    const r3 = await replayTranscript(mutate("q04-ephemerals-and-sequence.json", (d) => (d.steps[15].result.timeout_ms = 100)));
    expect(r3).toMatchObject({ status: "fail", step: 15, diff: { field: "result/timeout_ms", expected: 100, got: 400 } });
  });

  it("replays with the recording server's settings: TTL creates without extended types are UNIMPLEMENTED", async () => {
    const r = await replayTranscript(mutate("q02-create-validation-no-ttl.json", (d) => delete d.server));
    expect(r).toMatchObject({ status: "fail", step: 8, diff: { field: "result/err", expected: "UNIMPLEMENTED", got: "BADARGUMENTS" } });
  });

  it("honours the ignore list", async () => {
    const r = await replayTranscript(
      mutate("q03-watches-and-versions.json", (d) => {
        d.steps[5].zxid_after = 99;
        d.ignore = ["steps/5/zxid_after"];
      }),
    );
    expect(r.status).toBe("pass");
  });
});
