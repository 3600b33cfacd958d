/**
 * For tests that call a CLI command's `run` in-process: captures what it writes to stdout and stderr (reset before
 * each test, the real streams restored after it) and gives a temp dir for its files (removed after the file's tests).
 * Call once at the top of a test file.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, vi } from "vitest";

/** What the command wrote since the test began (a test may empty either field itself), and the temp dir. */
export interface CapturedCli {
  out: string;
  err: string;
  readonly dir: string;
}

/** Installs the capture hooks for the calling test file; `dirPrefix` names its temp dir. */
export function captureCliOutput(dirPrefix: string): CapturedCli {
  const io: CapturedCli = { out: "", err: "", dir: mkdtempSync(path.join(tmpdir(), dirPrefix)) };
  afterAll(() => rmSync(io.dir, { recursive: true, force: true }));
  beforeEach(() => {
    io.out = "";
    io.err = "";
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((io.out += String(chunk)), true));
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((io.err += String(chunk)), true));
  });
  afterEach(() => vi.restoreAllMocks());
  return io;
}
