import { describe, expect, it, vi } from "vitest";
import { runCli } from "../../src/adapters/cli/main.js";

describe("quorate CLI dispatch", () => {
  it("exits 2 and names the command when it is unknown", async () => {
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await runCli(["no-such-command"])).toBe(2);
      expect(String(err.mock.calls[0]?.[0])).toContain("unknown command 'no-such-command'");
    } finally {
      err.mockRestore();
    }
  });

  it("prints usage listing every command on --help and exits 0", async () => {
    const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      expect(await runCli(["--help"])).toBe(0);
      const text = String(out.mock.calls[0]?.[0]);
      for (const command of ["demo", "simulate", "verify-trace", "check", "zk-replay"]) expect(text).toContain(command);
    } finally {
      out.mockRestore();
    }
  });
});
