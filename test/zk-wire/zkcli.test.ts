// zkCli.sh (Debian's ZooKeeper 3.8 package) scripted against quorate's wire server. The expected outputs in
// fixtures/ were recorded from a real ZooKeeper 3.8.0 (fresh data dir, tickTime 200, TTL nodes enabled) running
// the same script; only times, the port and SLF4J's start-up noise are normalised.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ZkWireServer } from "../../src/adapters/zk-wire/server.js";
import { runProgram, startTestServer } from "./harness.js";

const ZKCLI = "/usr/share/zookeeper/bin/zkCli.sh";
const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, "fixtures", name), "utf8");

function normalise(text: string, port: number): string {
  return text
    .split("\n")
    .filter((line) => !line.startsWith("SLF4J"))
    .map((line) => line.replace(/^([cm]time) = .*/, "$1 = <time>").replaceAll(`127.0.0.1:${port}`, "127.0.0.1:<port>"))
    .join("\n");
}

let server: ZkWireServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("zkCli.sh against quorate zk-server", () => {
  it("prints exactly what it prints against ZooKeeper 3.8 for create -s -e, ls -R, get -s, set -v, stat, delete, deleteall, addWatch, getEphemerals, whoami, ACLs, TTL and containers", async () => {
    expect(existsSync(ZKCLI), `${ZKCLI} is missing: install Debian's zookeeper package`).toBe(true);
    ({ server } = await startTestServer());
    const run = await runProgram(ZKCLI, ["-server", `127.0.0.1:${server.port}`], fixture("zkcli-script.txt"), 60_000);
    expect(run.timedOut).toBe(false);
    expect(normalise(run.stdout, server.port)).toBe(fixture("zkcli-expected-stdout.txt"));
    expect(normalise(run.stderr, server.port)).toBe(fixture("zkcli-expected-stderr.txt"));
  }, 90_000);
});
