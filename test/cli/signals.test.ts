import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { untilStopSignal } from "../../src/adapters/cli/signals.js";

describe("untilStopSignal", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`resolves at ${signal} and stops listening to both signals`, async () => {
      const source = new EventEmitter();
      let resolved = false;
      const wait = untilStopSignal(source).then(() => (resolved = true));
      expect(source.listenerCount("SIGINT")).toBe(1);
      expect(source.listenerCount("SIGTERM")).toBe(1);
      await Promise.resolve();
      expect(resolved).toBe(false);
      source.emit(signal);
      await wait;
      expect(resolved).toBe(true);
      expect(source.listenerCount("SIGINT")).toBe(0);
      expect(source.listenerCount("SIGTERM")).toBe(0);
    });
  }

  it("does not resolve on another event", async () => {
    const source = new EventEmitter();
    let resolved = false;
    void untilStopSignal(source).then(() => (resolved = true));
    source.emit("SIGHUP");
    await new Promise((r) => setTimeout(r, 10));
    expect(resolved).toBe(false);
    source.emit("SIGTERM");
  });
});
