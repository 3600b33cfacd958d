/** The torture harness's parts: the fault proxy's modes on a real loopback echo server, and the EDN history. */
import { createServer, connect, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { FaultProxy } from "../../src/adapters/cluster/fault-proxy.js";
import { historyEdn } from "../../src/adapters/cluster/history.js";
import { parseHistory, checkLinearizability, modelByName } from "../../src/check/linearizability/index.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function echoServer(): Promise<Server> {
  const s = createServer((c) => c.on("data", (d) => c.write(d)).on("error", () => undefined));
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  cleanup.push(() => new Promise((r) => s.close(r)));
  return s;
}

/** Sends `text` and collects what comes back within `ms`. */
async function roundTrip(port: number, text: string, ms: number): Promise<{ echoed: string; closed: boolean; elapsed: number }> {
  const sock: Socket = connect(port, "127.0.0.1");
  let echoed = "";
  let closed = false;
  const t0 = Date.now();
  let elapsed = -1;
  sock.on("data", (d) => {
    echoed += d.toString();
    if (elapsed < 0) elapsed = Date.now() - t0;
  });
  sock.on("error", () => undefined);
  sock.on("close", () => (closed = true));
  sock.write(text);
  await new Promise((r) => setTimeout(r, ms));
  sock.destroy();
  return { echoed, closed, elapsed };
}

describe("FaultProxy", () => {
  it("passes, delays in order, and drops (cutting live connections and refusing new ones)", async () => {
    const echo = await echoServer();
    const proxy = await FaultProxy.start({ host: "127.0.0.1", port: (echo.address() as { port: number }).port });
    cleanup.push(() => proxy.close());
    expect((await roundTrip(proxy.port, "hello", 200)).echoed).toBe("hello");
    proxy.set({ kind: "delay", delayMs: 150 });
    const slow = await roundTrip(proxy.port, "abc", 600);
    expect(slow.echoed).toBe("abc");
    expect(slow.elapsed).toBeGreaterThanOrEqual(250); // delayed both ways
    proxy.set({ kind: "pass" });
    const live = connect(proxy.port, "127.0.0.1");
    live.on("error", () => undefined);
    const liveClosed = new Promise((r) => live.on("close", r));
    await new Promise((r) => live.on("connect", r));
    await new Promise((r) => setTimeout(r, 50));
    proxy.set({ kind: "drop" });
    await liveClosed;
    const refused = await roundTrip(proxy.port, "x", 200);
    expect(refused).toMatchObject({ echoed: "", closed: true });
    proxy.set({ kind: "pass" });
    expect((await roundTrip(proxy.port, "back", 200)).echoed).toBe("back");
  });
});

describe("torture history EDN", () => {
  const ev = (process: number, type: "invoke" | "ok" | "fail" | "info", f: "read" | "write" | "cas", key: string, value: number | null | [number, number], time: number) => ({ process, type, f, key, value, time });

  it("is read by the checker's jepsen-edn parser; a lost acknowledged write is caught", () => {
    const good = [ev(0, "invoke", "write", "a", 1, 0), ev(0, "ok", "write", "a", 1, 1), ev(1, "invoke", "read", "a", null, 2), ev(1, "ok", "read", "a", 1, 3), ev(0, "invoke", "cas", "a", [1, 2], 4), ev(0, "fail", "cas", "a", [1, 2], 5)];
    const check = (events: typeof good) => checkLinearizability(parseHistory(historyEdn(events, "a"), "jepsen-edn", "t.edn"), modelByName("cas-register")).verdict;
    expect(check(good)).toBe("linearizable");
    // A read after an acknowledged write that sees the value before it: the write was lost.
    const lost = [ev(0, "invoke", "write", "a", 1, 0), ev(0, "ok", "write", "a", 1, 1), ev(0, "invoke", "write", "a", 2, 2), ev(0, "ok", "write", "a", 2, 3), ev(1, "invoke", "read", "a", null, 4), ev(1, "ok", "read", "a", 1, 5)];
    expect(check(lost)).toBe("not-linearizable");
    expect(historyEdn([{ ...ev(3, "info", "write", "b", 7, 1.5), error: 'timeout "x"' }])).toBe('[{:process 3, :type :info, :f :write, :key "b", :value 7, :error "timeout \\"x\\"", :time 1500000}]\n');
  });
});
