// Corpus: every transcript recorded from a real ZooKeeper 3.8.0 in <corpus>/zk-golden/ (third-party, issue 8)
// replays through quorate's service and matches op by op (a skip is allowed only for wire-level steps quorate does
// not model). The replayer's own teeth are tested on the project's recordings (test/zk/golden.test.ts).
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { run } from "../../src/adapters/cli/commands/zk-replay.js";
import { loadTranscript, replayTranscript, transcriptFiles } from "../../src/adapters/zk/replay/index.js";
import { corpusPath } from "./corpus-dir.js";

const goldenDir = corpusPath("zk-golden");
const files = await transcriptFiles(goldenDir);

describe("golden ZooKeeper 3.8.0 transcripts (corpus)", () => {
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

  // Issue 15 item 5: the same transcripts over ZooKeeper's wire protocol (quorate zk-replay --wire), zero skips.
  for (const file of files) {
    it(`${path.basename(file)} over the wire`, async () => {
      const report = await replayTranscript(await loadTranscript(file), { wire: true });
      expect({ status: report.status, step: report.step, diff: report.diff, skipped: report.skipped }).toEqual({ status: "pass", step: undefined, diff: undefined, skipped: [] });
    });
  }

  // ... and against a 3-member ensemble (quorate zk-replay --wire --ensemble 3): a wire server in front of each member,
  // the sessions spread over them, writes committed through Raft; zero skips.
  for (const file of files) {
    it(`${path.basename(file)} over the wire against a 3-member ensemble`, async () => {
      const report = await replayTranscript(await loadTranscript(file), { wire: true, ensemble: 3 });
      expect({ status: report.status, step: report.step, diff: report.diff, skipped: report.skipped }).toEqual({ status: "pass", step: undefined, diff: undefined, skipped: [] });
    });
  }

  it("quorate zk-replay DIR --json: every scenario passes or is skipped, exit 0", async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
    let code: number;
    try {
      code = await run([goldenDir, "--json"]);
    } finally {
      spy.mockRestore();
    }
    const report = JSON.parse(out.join(""));
    expect(code).toBe(0);
    expect(report.failed).toBe(0);
    expect(report.passed + report.skipped).toBe(report.scenarios.length);
    expect(report.scenarios[0]).toMatchObject({ id: "01-path-validation-create", status: "pass", step: null, diff: null });
  });

  it("quorate zk-replay DIR --wire --ensemble 3 --json: every scenario passes, none skipped, exit 0", async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
    let code: number;
    try {
      code = await run([goldenDir, "--wire", "--ensemble", "3", "--json"]);
    } finally {
      spy.mockRestore();
    }
    const report = JSON.parse(out.join(""));
    expect(code).toBe(0);
    expect({ passed: report.passed, failed: report.failed, skipped: report.skipped }).toEqual({ passed: files.length, failed: 0, skipped: 0 });
  });
});
