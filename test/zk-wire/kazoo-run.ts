// Runs kazoo_check.py (Debian's python3-kazoo) against a server or an ensemble, and the observations it must
// print: what the same script printed against a real ZooKeeper 3.8.0 (restarted with its data dir where the
// script asks for a restart).
import { spawn } from "node:child_process";
import path from "node:path";
import { expect } from "vitest";

/** Debian's python, the one python3-kazoo is installed for. */
export const PYTHON = "/usr/bin/python3";
const SCRIPT = path.join(import.meta.dirname, "kazoo_check.py");

/** The script's observations by check name. */
export type KazooChecks = Record<string, Record<string, unknown>>;

/**
 * Runs the script against `hosts` (a port or a connect string); when it asks for a restart, `restart` runs
 * and the script goes on once it resolved. Bounded by `ms` (then killed by PID).
 */
export function runKazoo(hosts: string, restart: () => Promise<void>, ms: number): Promise<{ checks: KazooChecks; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, hosts], { stdio: ["pipe", "pipe", "pipe"] });
    const checks: KazooChecks = {};
    let stderr = "";
    let buffered = "";
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    }, ms);
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.stdout.on("data", (c: Buffer) => {
      buffered += c.toString();
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const record = JSON.parse(line) as Record<string, unknown>;
        checks[String(record.check)] = record;
        if (record.check === "restart-now") restart().then(() => child.stdin.write("\n"), reject);
      }
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ checks, stderr, code });
    });
  });
}

/** The observations against ZooKeeper 3.8.0. */
export function expectZooKeeperObservations(checks: KazooChecks): void {
    expect(checks.basics).toEqual({
      check: "basics",
      acl: [[31, "world", "anyone"]],
      bad_version: "BadVersionError",
      children: ["deep", "e", "es-0000000002", "s-0000000001"],
      create: "/k",
      ephemeral: "/k/e",
      ephemeral_owner_is_session: true,
      ephemeral_sequence: "/k/es-0000000002",
      exists_error: "NodeExistsError",
      failed_transaction: ["RolledBackError", "NoNodeError"],
      get: ["v0", 0, 4],
      makepath: "/k/deep/er/path",
      negotiated: 4000,
      no_node: "NoNodeError",
      not_empty: "NotEmptyError",
      root: ["zookeeper"],
      sequence: "/k/s-0000000001",
      set: 1,
      t2_exists: false,
      transaction: ["/k/t1", "ZnodeStat", true],
    });
    expect(checks.watches).toEqual({
      check: "watches",
      ephemeral_removed: [["DELETED", "/w/eph"]],
      events: [["CHANGED", "/w"], ["CHILD", "/w"], ["CREATED", "/w/new"]],
      exists_after_close: false,
    });
    expect(checks.restart).toEqual({
      check: "restart",
      ephemeral_kept: true,
      lost: false,
      reconnected: true,
      same_session: true,
      // kazoo 2.8 fires its watchers with a NONE event when the connection drops (it does not re-arm them).
      watch_after_restart: [["NONE", null]],
    });
    expect(checks.lock).toEqual({ check: "lock", counter: 20, leftover: [], max_holders: 1 });
    expect(checks.election).toEqual({ check: "election", contenders: ["c0", "c1", "c2"], distinct: 3, first_count: 1, leaders: 3 });
    expect(checks.barrier).toEqual({ check: "barrier", double_entered: 3, double_left: true, passed_after_remove: 2, passed_before_remove: 0 });
    expect(checks.done).toEqual({ check: "done" });
}
