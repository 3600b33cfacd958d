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

/**
 * zkCli.sh prints a watch event from its event thread as two atomic `println("\n" + msg)` calls ("WATCHER::" and
 * "WatchedEvent …"), so under load an event can land before or after the next command's output. Take those lines
 * (each with the blank line its println starts with) out of the transcript; they are compared as a sorted multiset.
 */
function withoutWatcherEvents(text: string): { transcript: string; events: string[]; watcherHeaders: number } {
  const lines = text.split("\n");
  const kept: string[] = [];
  const events: string[] = [];
  let watcherHeaders = 0;
  for (const line of lines) {
    const isHeader = line === "WATCHER::";
    const isEvent = line.startsWith("WatchedEvent ");
    if ((isHeader || isEvent) && kept.at(-1) === "") {
      kept.pop();
      if (isHeader) watcherHeaders += 1;
      else events.push(line);
    } else {
      kept.push(line);
    }
  }
  return { transcript: kept.join("\n"), events: events.sort(), watcherHeaders };
}

let server: ZkWireServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("the zkCli transcript comparison", () => {
  const recorded = fixture("zkcli-expected-stdout.txt");
  const event = "\nWATCHER::\n\nWatchedEvent state:SyncConnected type:DataWatchRemoved path:/cont\n";

  it("accepts a watch event printed after the next command's output, and rejects one missing or different", () => {
    expect(recorded).toContain(event);
    const moved = recorded.replace(event, "").replace("[config, quota]\n", `[config, quota]\n${event}`);
    expect(moved).not.toBe(recorded);
    expect(withoutWatcherEvents(moved)).toEqual(withoutWatcherEvents(recorded));
    const missing = recorded.replace(event, "");
    expect(withoutWatcherEvents(missing).events).not.toEqual(withoutWatcherEvents(recorded).events);
    const different = recorded.replace("path:/cont", "path:/other");
    expect(withoutWatcherEvents(different).events).not.toEqual(withoutWatcherEvents(recorded).events);
  });
});

describe("zkCli.sh against quorate zk-server", () => {
  it("prints exactly what it prints against ZooKeeper 3.8 for create -s -e, ls -R, get -s, set -v, stat, delete, deleteall, addWatch, getEphemerals, whoami, ACLs, TTL and containers", async () => {
    expect(existsSync(ZKCLI), `${ZKCLI} is missing: install Debian's zookeeper package`).toBe(true);
    ({ server } = await startTestServer());
    const run = await runProgram(ZKCLI, ["-server", `127.0.0.1:${server.port}`], fixture("zkcli-script.txt"), 60_000);
    expect(run.timedOut).toBe(false);
    const actual = withoutWatcherEvents(normalise(run.stdout, server.port));
    const expected = withoutWatcherEvents(fixture("zkcli-expected-stdout.txt"));
    expect(expected.events.length).toBe(10); // the fixture's own events, so a broken splitter cannot pass vacuously
    expect(actual.transcript).toBe(expected.transcript);
    expect(actual.events).toEqual(expected.events);
    expect(actual.watcherHeaders).toBe(expected.watcherHeaders);
    expect(normalise(run.stderr, server.port)).toBe(fixture("zkcli-expected-stderr.txt"));
  }, 90_000);
});
