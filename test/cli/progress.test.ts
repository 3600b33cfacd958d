// The progress bar: draws on a terminal with a count and an ETA; quiet with --json or when not on a terminal.
import { describe, expect, it, vi } from "vitest";
import { run } from "../../src/adapters/cli/commands/simulate.js";
import { progressDraws, startProgress } from "../../src/adapters/cli/progress.js";

function fakeStream(isTTY: boolean): { isTTY: boolean; columns: number; written: string[]; write(chunk: string): boolean } {
  const written: string[] = [];
  return { isTTY, columns: 120, written, write: (chunk: string) => (written.push(chunk), true) };
}

describe("progress bars", () => {
  it("draw on a terminal: label, bar, count, percentage, ETA and the status text", () => {
    const stream = fakeStream(true);
    const bar = startProgress({ label: "seeds", total: 4, stream });
    expect(bar.drawing).toBe(true);
    bar.advance(1);
    bar.advance(1, "1 failing");
    bar.advance(2, "1 failing");
    bar.stop();
    const text = stream.written.join("");
    expect(text).toContain("seeds [");
    expect(text).toContain("4/4 100%");
    expect(text).toContain("ETA ");
    expect(text).toContain("| 1 failing");
    expect(text.endsWith("\n")).toBe(true);
    const written = stream.written.length;
    bar.advance(1); // after stop: nothing more is drawn
    bar.stop();
    expect(stream.written.length).toBe(written);
  });

  it("a changed total shows in the count", () => {
    const stream = fakeStream(true);
    const bar = startProgress({ label: "vectors", total: 10, stream });
    bar.setTotal(3);
    bar.advance(3);
    bar.stop();
    expect(stream.written.join("")).toContain("vectors [");
    expect(stream.written.join("")).toContain("3/3 100%");
  });

  it("stay silent when the stream is not a terminal, or with --json", () => {
    for (const [isTTY, quiet] of [[false, false], [true, true], [false, true]] as const) {
      const stream = fakeStream(isTTY);
      expect(progressDraws({ quiet, stream })).toBe(false);
      const bar = startProgress({ label: "seeds", total: 3, quiet, stream });
      expect(bar.drawing).toBe(false);
      bar.advance(3, "x");
      bar.setTotal(5);
      bar.stop();
      expect(stream.written).toEqual([]);
    }
  });
});

describe("progress in a command (simulate --seeds) on a terminal", () => {
  it("draws the bar on stderr, and nothing with --json", async () => {
    const tty = Object.getOwnPropertyDescriptor(process.stderr, "isTTY");
    Object.defineProperty(process.stderr, "isTTY", { value: true, configurable: true });
    let err = "";
    const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const errSpy = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((err += String(chunk)), true));
    try {
      expect(await run(["--seeds", "1..2", "--steps", "300", "--workers", "1"])).toBe(0);
      expect(err).toContain("seeds [");
      expect(err).toContain("2/2 100%");
      err = "";
      expect(await run(["--seeds", "1..2", "--steps", "300", "--workers", "1", "--json"])).toBe(0);
      expect(err).toBe("");
    } finally {
      out.mockRestore();
      errSpy.mockRestore();
      if (tty === undefined) delete (process.stderr as { isTTY?: boolean }).isTTY;
      else Object.defineProperty(process.stderr, "isTTY", tty);
    }
  }, 60_000);
});
