/** Children that do not outlive their supervisor: the parent watch, with a fake process. */
import { describe, expect, it } from "vitest";
import { PARENT_PID_ENV, exitWithParent, supervisedEnv } from "../../src/adapters/cluster/supervision.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("exitWithParent", () => {
  it("calls gone once the parent PID changes (reparented after the parent died), and only once", async () => {
    let ppid = 4242;
    let gone = 0;
    const stop = exitWithParent({ env: { [PARENT_PID_ENV]: "4242" }, ppid: () => ppid, gone: () => gone++, everyMs: 5 });
    expect(stop).toBeDefined();
    await sleep(30);
    expect(gone).toBe(0);
    ppid = 1;
    await sleep(30);
    ppid = 7;
    await sleep(30);
    expect(gone).toBe(1);
  });

  it("watches nothing without the variable, with a malformed one, or when the parent is not the one named", async () => {
    let gone = 0;
    for (const env of [{}, { [PARENT_PID_ENV]: "x12" }, { [PARENT_PID_ENV]: "99" }]) {
      expect(exitWithParent({ env, ppid: () => 1, gone: () => gone++, everyMs: 5 })).toBeUndefined();
    }
    await sleep(20);
    expect(gone).toBe(0);
  });

  it("stops watching when asked", async () => {
    let ppid = 10;
    let gone = 0;
    const stop = exitWithParent({ env: { [PARENT_PID_ENV]: "10" }, ppid: () => ppid, gone: () => gone++, everyMs: 5 })!;
    stop();
    ppid = 1;
    await sleep(30);
    expect(gone).toBe(0);
  });

  it("supervisedEnv names this process and keeps the extra variables", () => {
    const env = supervisedEnv({ A: "b" });
    expect(env[PARENT_PID_ENV]).toBe(String(process.pid));
    expect(env["A"]).toBe("b");
    expect(env["PATH"]).toBe(process.env["PATH"]);
  });
});
