// kazoo (Debian's python3-kazoo; its handshake carries the readOnly byte) against quorate's wire server, through
// kazoo_check.py: basic operations, watches, transactions, a reconnect across a server restart, and the Lock,
// Election and Barrier recipes with several clients at once. The expected observations are what the same script
// printed against a real ZooKeeper 3.8.0, restarted with its data dir where the script asks for a restart.
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { ZkWireServer } from "../../src/adapters/zk-wire/server.js";
import { startZkWireServer } from "../../src/adapters/zk-wire/server.js";
import { startTestServer, testConfig } from "./harness.js";
import { expectZooKeeperObservations, runKazoo } from "./kazoo-run.js";

/** Restarts the server on the same port with the same state (a ZooKeeper restarted with its data dir). */
async function restartServer(): Promise<void> {
  const { port, backend } = server!;
  await server!.close();
  await new Promise((r) => setTimeout(r, 300));
  server = await startZkWireServer({ config: testConfig({ clientPort: port }), backend });
}

let server: ZkWireServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("kazoo against quorate zk-server", () => {
  it("basics, watches, transactions, restart, Lock, Election and Barrier behave as against ZooKeeper 3.8", async () => {
    expect(existsSync("/usr/lib/python3/dist-packages/kazoo"), "python3-kazoo is missing: install Debian's python3-kazoo").toBe(true);
    ({ server } = await startTestServer());
    const { checks, stderr, code } = await runKazoo(String(server.port), restartServer, 120_000);
    expect(code, stderr).toBe(0);
    expectZooKeeperObservations(checks);
  }, 150_000);
});
