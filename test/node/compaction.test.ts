/** The compaction policy: when the state is captured, when the log is compacted at it, and what a restore voids. */
import { describe, expect, it } from "vitest";
import { CompactionPolicy, checkCompactionOptions } from "../../src/adapters/node/compaction.js";

/** Feeds applied indices one batch at a time; returns the captures (applied index at capture) and compactions. */
function drive(p: CompactionPolicy, batches: readonly number[]): { captures: number[]; compactions: number[] } {
  const captures: number[] = [];
  const compactions: number[] = [];
  for (const applied of batches) {
    const due = p.afterApply(applied, () => {
      captures.push(applied);
      return Uint8Array.of(applied & 255);
    });
    if (due !== undefined) {
      expect(due.data).toEqual(Uint8Array.of(due.index & 255)); // the state captured at that index
      compactions.push(due.index);
    }
  }
  return { captures, compactions };
}

const upTo = (n: number, step = 1): number[] => Array.from({ length: Math.floor(n / step) }, (_, k) => (k + 1) * step);

describe("CompactionPolicy", () => {
  it("captures every snapshotCount entries and compacts once catchUpEntries more are applied behind the capture", () => {
    const r = drive(new CompactionPolicy({ snapshotCount: 100, catchUpEntries: 30 }, 0), upTo(500));
    expect(r.captures).toEqual([100, 200, 300, 400, 500]);
    expect(r.compactions).toEqual([100, 200, 300, 400]);
  });

  it("with applies in batches, captures at the first batch past the count; with no catch-up, compacts at once", () => {
    const r = drive(new CompactionPolicy({ snapshotCount: 100, catchUpEntries: 0 }, 0), upTo(450, 45));
    expect(r.captures).toEqual([135, 270, 405]);
    expect(r.compactions).toEqual([135, 270, 405]);
  });

  it("starts counting from the snapshot the node restarted from; 0 never compacts", () => {
    expect(drive(new CompactionPolicy({ snapshotCount: 100, catchUpEntries: 10 }, 1000), upTo(1200).slice(1000)).compactions).toEqual([1100]);
    expect(drive(new CompactionPolicy({ snapshotCount: 0 }, 0), upTo(50_000, 1000)).captures).toEqual([]);
  });

  it("a snapshot restored from the leader voids an older capture and restarts the count", () => {
    const p = new CompactionPolicy({ snapshotCount: 100, catchUpEntries: 50 }, 0);
    expect(drive(p, upTo(120)).captures).toEqual([100]);
    p.restored(300);
    const r = drive(p, upTo(460).slice(300));
    expect(r.captures).toEqual([400]);
    expect(r.compactions).toEqual([400]);
  });

  it("defaults: every 10000 entries with min(5000, count / 2) catch-up entries; bad options are named", () => {
    expect(drive(new CompactionPolicy({}, 0), upTo(20_000, 500)).compactions).toEqual([10_000]);
    expect(drive(new CompactionPolicy({ snapshotCount: 200 }, 0), upTo(400)).compactions).toEqual([200]);
    expect(checkCompactionOptions({ snapshotCount: -1 })).toMatch(/snapshotCount/);
    expect(checkCompactionOptions({ snapshotCount: 10, catchUpEntries: 1.5 })).toMatch(/catchUpEntries/);
    expect(checkCompactionOptions({ snapshotCount: 10, catchUpEntries: 3 })).toBeUndefined();
  });
});
