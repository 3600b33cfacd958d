// A single `quorate zk-server` with a data directory is durable, as ZooKeeper with its dataDir: every
// acknowledged write and every session survive a restart, also after kill -9 (with --lose-unsynced, kill -9 loses
// exactly what a power failure would: what was not fdatasynced). A data directory that is not one, or a corrupt
// log, stops the server with a clear error. Real processes on free loopback ports, temp dirs, stopped by PID.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { WireClient } from "../../src/adapters/zk-wire/client.js";
import { encodeRequest } from "../../src/adapters/zk-wire/protocol.js";
import { OPEN_ACL_UNSAFE, OpCode } from "../../src/core/zk/index.js";
import { freePort } from "../support/real-zookeeper.js";

const BIN = path.resolve(import.meta.dirname, "../../bin/quorate.js");

interface Running {
  readonly pid: number;
  readonly port: number;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

const running = new Set<Running>();
const dirs: string[] = [];

afterEach(async () => {
  for (const r of running) {
    try {
      process.kill(r.pid, "SIGKILL");
    } catch {
      // already gone
    }
    await r.exited;
  }
  running.clear();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), "quorate-zk-durable-"));
  dirs.push(d);
  return d;
}

/** Runs `quorate zk-server ARGS` until it listens (resolves) or exits (rejects with its stderr). */
function start(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [BIN, "zk-server", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const handle = { pid: child.pid!, port: 0, stderr: () => stderr, exited };
  running.add(handle);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`zk-server did not listen within 20 s: ${stderr}`)), 20_000);
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      const m = /listening on [\d.]+:(\d+)/.exec(stdout);
      if (m !== null) {
        clearTimeout(timer);
        handle.port = Number(m[1]);
        resolve(handle);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`zk-server exited with ${code}: ${stderr}`));
    });
  });
}

/** Runs `quorate zk-server ARGS` expecting it to exit; resolves with its code and stderr. */
function runToExit(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, "zk-server", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  return new Promise((resolve) => child.on("close", (code) => (clearTimeout(timer), resolve({ code, stderr }))));
}

async function killHard(r: Running): Promise<void> {
  process.kill(r.pid, "SIGKILL");
  await r.exited;
  running.delete(r);
}

const create = (p: string, data: number[], flags = 0) => encodeRequest({ type: "create", opcode: OpCode.create, path: p, data: new Uint8Array(data), acl: OPEN_ACL_UNSAFE, flags, ttl: -1 });
const exists = (p: string) => encodeRequest({ type: "exists", path: p, watch: false });
const getData = (p: string) => encodeRequest({ type: "getData", path: p, watch: false });
const EPHEMERAL = 1;

describe("a single zk-server with a data directory is durable", () => {
  it("keeps every acknowledged write and the session with its ephemeral across kill -9 (power-failure disk)", async () => {
    const dir = tempDir();
    const cfg = path.join(dir, "zoo.cfg");
    // maxSessionTimeout above 20 ticks: the session outlives the restart, and the bound is honoured.
    writeFileSync(cfg, `tickTime=200\nminSessionTimeout=500\nmaxSessionTimeout=20000\ndataDir=${path.join(dir, "data")}\n`);
    const port = await freePort();
    const first = await start(["--config", cfg, "--port", String(port), "--lose-unsynced"]);
    const client = await WireClient.connect({ port, timeoutMs: 60_000 });
    expect(client.session.timeOut, "maxSessionTimeout bounds the negotiated timeout").toBe(20_000);
    const short = await WireClient.connect({ port, timeoutMs: 100 });
    expect(short.session.timeOut, "minSessionTimeout bounds it from below").toBe(500);
    short.destroy();
    const eph = create("/eph", [7], EPHEMERAL);
    expect((await client.request(eph.opcode, eph.body)).err).toBe(0);
    // Many creates in flight; the server is killed once a third of them were acknowledged.
    const acked: number[] = [];
    const n = 150;
    let killed: Promise<void> | undefined;
    const writes = Array.from({ length: n }, (_, i) => {
      const c = create(`/k${i}`, [i & 0xff]);
      return client.request(c.opcode, c.body).then(
        (r) => {
          if (r.err === 0) acked.push(i);
          if (acked.length === n / 3 && killed === undefined) killed = killHard(first);
        },
        () => undefined, // lost with the connection: may or may not have been written
      );
    });
    await Promise.all(writes);
    await (killed ?? killHard(first));
    expect(acked.length, "writes were acknowledged before the kill").toBeGreaterThanOrEqual(n / 3);

    await start(["--config", cfg, "--port", String(port)]);
    const again = await WireClient.connect({ port, timeoutMs: 60_000, sessionId: client.session.sessionId, passwd: client.session.passwd ?? new Uint8Array(16) });
    expect(again.session.sessionId, "the session survived the restart").toBe(client.session.sessionId);
    expect(again.session.timeOut).toBe(20_000);
    const e = exists("/eph");
    expect((await again.request(e.opcode, e.body)).err, "its ephemeral node too").toBe(0);
    for (const i of acked) {
      const g = getData(`/k${i}`);
      const r = await again.request(g.opcode, g.body);
      expect(r.err, `acknowledged create /k${i}`).toBe(0);
    }
    again.destroy();
  }, 90_000);

  it("keeps the tree across a clean restart (SIGTERM), on a new port; a new session works after it", async () => {
    const data = path.join(tempDir(), "data");
    const first = await start(["--port", "0", "--data", data]);
    const c1 = await WireClient.connect({ port: first.port });
    const kept = create("/kept", [1, 2, 3]);
    expect((await c1.request(kept.opcode, kept.body)).err).toBe(0);
    c1.destroy();
    process.kill(first.pid, "SIGTERM");
    expect(await first.exited).toBe(0);
    running.delete(first);
    expect(readdirSync(data).some((f) => f.endsWith(".wal")), "the log is in the data directory").toBe(true);
    const second = await start(["--port", "0", "--data", data]);
    const c2 = await WireClient.connect({ port: second.port });
    const g = getData("/kept");
    const r = await c2.request(g.opcode, g.body);
    expect(r.err).toBe(0);
    expect([...r.body.subarray(4, 7)], "the node's data (after its 4-byte length)").toEqual([1, 2, 3]);
    c2.destroy();
  }, 60_000);

  it("snapshots every snapCount entries (zoo.cfg; default 100,000) and recovers from the snapshot and the log after it", async () => {
    const dir = tempDir();
    const snapshots = (data: string) => readdirSync(data).filter((f) => f.endsWith(".snap"));
    const fill = async (port: number, n: number) => {
      const c = await WireClient.connect({ port });
      for (let i = 0; i < n; i++) {
        const w = create(`/s${i}`, [i & 0xff]);
        expect((await c.request(w.opcode, w.body)).err, `create /s${i}`).toBe(0);
      }
      c.destroy();
    };
    // The default: 60 writes are far below ZooKeeper's snapCount, so no snapshot is taken.
    const plain = path.join(dir, "plain");
    const p = await start(["--port", "0", "--data", plain]);
    await fill(p.port, 60);
    await killHard(p);
    expect(snapshots(plain), "no snapshot below the default snapCount").toEqual([]);

    const cfg = path.join(dir, "zoo.cfg");
    const data = path.join(dir, "data");
    writeFileSync(cfg, `snapCount=25\ndataDir=${data}\n`);
    const first = await start(["--config", cfg, "--port", "0"]);
    await fill(first.port, 60);
    await killHard(first);
    expect(snapshots(data).length, "a snapshot after 25 entries (earlier ones are compacted away)").toBe(1);
    const second = await start(["--config", cfg, "--port", "0"]);
    const c = await WireClient.connect({ port: second.port });
    for (let i = 0; i < 60; i++) {
      const g = getData(`/s${i}`);
      const r = await c.request(g.opcode, g.body);
      expect(r.err, `/s${i} after the restart`).toBe(0);
      expect(r.body[4], `/s${i}'s data`).toBe(i & 0xff);
    }
    c.destroy();
  }, 90_000);

  it("refuses a data directory that is not one, or a corrupt log, with a clear error (exit 2)", async () => {
    const dir = tempDir();
    const file = path.join(dir, "file");
    writeFileSync(file, "not a directory");
    const notDir = await runToExit(["--port", "0", "--data", file]);
    expect(notDir.code).toBe(2);
    expect(notDir.stderr).toContain(`cannot start on data directory ${file}`);

    const data = path.join(dir, "data");
    const ok = await start(["--port", "0", "--data", data]);
    process.kill(ok.pid, "SIGTERM");
    expect(await ok.exited).toBe(0);
    running.delete(ok);
    const segment = readdirSync(data).find((f) => f.endsWith(".wal"))!;
    writeFileSync(path.join(data, segment), "garbage, not a log segment");
    const corrupt = await runToExit(["--port", "0", "--data", data]);
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toMatch(new RegExp(`cannot start on data directory ${data}: ${segment}.*unreadable`));

    const state = path.join(dir, "state-bad");
    mkdirSync(state);
    writeFileSync(path.join(state, "state"), "junk");
    const badState = await runToExit(["--port", "0", "--data", state]);
    expect(badState.code).toBe(2);
    expect(badState.stderr).toContain("state: not a hard-state file");
  }, 60_000);
});
