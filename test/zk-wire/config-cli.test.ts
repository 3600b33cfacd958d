// zoo.cfg parsing and the `quorate zk-server` command (a real process on a free port, stopped by PID).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, defaultConfig, isFourLetterWordEnabled, parseZooCfg } from "../../src/adapters/zk-wire/config.js";
import { OPEN_ACL_UNSAFE, OpCode } from "../../src/core/zk/index.js";
import { WireClient } from "../../src/adapters/zk-wire/client.js";
import { encodeRequest } from "../../src/adapters/zk-wire/protocol.js";
import { fourLetterWord, freePort } from "../support/real-zookeeper.js";
import { eventually, exchange } from "./harness.js";

describe("zoo.cfg", () => {
  it("reads ZooKeeper's keys, system-property keys with or without the zookeeper. prefix, and server lines", () => {
    const { config, unknownKeys, ignoredKeys } = parseZooCfg(`
# a comment
! another
tickTime = 500
clientPort=2182
clientPortAddress=0.0.0.0
dataDir=/var/lib/zk
initLimit=10
syncLimit=5
maxClientCnxns=10
extendedTypesEnabled=true
zookeeper.4lw.commands.whitelist=ruok, srvr ,mntr
jute.maxbuffer=2000000
znode.container.checkIntervalMs=1000
zookeeper.snapCount=5000
server.2=10.0.0.2:2888:3888
server.1=10.0.0.1:2888:3888:participant;2181
frobnicate=yes
`);
    expect(config).toEqual({
      tickTimeMs: 500,
      clientPort: 2182,
      clientPortAddress: "0.0.0.0",
      dataDir: "/var/lib/zk",
      minSessionTimeoutMs: 1000,
      maxSessionTimeoutMs: 10000,
      extendedTypesEnabled: true,
      fourLetterWords: new Set(["ruok", "srvr", "mntr"]),
      servers: [
        { id: 1, host: "10.0.0.1", quorumPort: 2888, electionPort: 3888, role: "participant", clientPort: 2181 },
        { id: 2, host: "10.0.0.2", quorumPort: 2888, electionPort: 3888 },
      ],
      maxFrameBytes: 2_000_000,
      containerCheckIntervalMs: 1000,
      maxClientCnxns: 10,
      snapCount: 5000,
    });
    expect(unknownKeys).toEqual(["frobnicate"]);
    expect(ignoredKeys).toEqual(["initLimit", "syncLimit"]);
    expect(isFourLetterWordEnabled(config, "mntr")).toBe(true);
    expect(isFourLetterWordEnabled(config, "envi")).toBe(false);
  });

  it("defaults to ZooKeeper's: tickTime 2000, sessions in [4 s, 40 s], only srvr, 1,048,575-byte frames, TTL off", () => {
    const { config } = parseZooCfg("");
    expect(config).toEqual(defaultConfig());
    expect(config).toMatchObject({ tickTimeMs: 2000, minSessionTimeoutMs: 4000, maxSessionTimeoutMs: 40000, maxFrameBytes: 1_048_575, extendedTypesEnabled: false, snapCount: 100_000 });
    expect([...config.fourLetterWords]).toEqual(["srvr"]);
    expect(parseZooCfg("tickTime=100\nminSessionTimeout=-1\nmaxSessionTimeout=30000").config).toMatchObject({ minSessionTimeoutMs: 200, maxSessionTimeoutMs: 30000 });
    expect(isFourLetterWordEnabled(parseZooCfg("4lw.commands.whitelist=*").config, "dump")).toBe(true);
  });

  it("refuses unusable values with the line and key", () => {
    const bad = (text: string) => {
      try {
        parseZooCfg(text);
      } catch (e) {
        return e instanceof ConfigError ? e.message : `not a ConfigError: ${String(e)}`;
      }
      return "accepted";
    };
    expect(bad("tickTime=fast")).toBe('zoo.cfg line 1: tickTime: expected an integer, got "fast"');
    expect(bad("\nclientPort=70000")).toBe("zoo.cfg line 2: clientPort: must be in [0, 65535], got 70000");
    expect(bad("minSessionTimeout=5000\nmaxSessionTimeout=4000")).toContain("must not be larger than maxSessionTimeout");
    expect(bad("extendedTypesEnabled=yes")).toContain("expected true or false");
    expect(bad("snapCount=0")).toBe("zoo.cfg line 1: snapCount: must be in [1, 2147483647], got 0");
    expect(bad("server.1=host:2888")).toContain("expected host:quorumPort:electionPort");
    expect(bad("server.1=host:2888:3888:leader")).toContain("role must be participant or observer");
  });
});

/** Starts `quorate zk-server` (compiled dist/, built by npm test) and resolves with its port once it listens. */
function startCli(args: string[]): Promise<{ pid: number; port: number; stderr: () => string; exited: Promise<number | null> }> {
  const bin = path.resolve(import.meta.dirname, "../../bin/quorate.js");
  const child = spawn(process.execPath, [bin, "zk-server", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`zk-server did not start within 15 s: ${stderr}`));
    }, 15_000);
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(stdout);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ pid: child.pid!, port: Number(m[1]), stderr: () => stderr, exited });
      }
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`zk-server exited with ${code}: ${stderr}`));
    });
  });
}

describe("quorate zk-server", () => {
  it("serves on 127.0.0.1 with a zoo.cfg, reports unknown keys, and exits 0 on SIGTERM", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "quorate-zkwire-"));
    try {
      const cfg = path.join(dir, "zoo.cfg");
      writeFileSync(cfg, `tickTime=200\nclientPort=2181\n4lw.commands.whitelist=ruok,conf\nmystery=1\n`);
      const server = await startCli(["--config", cfg, "--port", "0"]);
      expect((await exchange(server.port, new TextEncoder().encode("ruok"))).data.toString()).toBe("imok");
      expect((await exchange(server.port, new TextEncoder().encode("conf"))).data.toString()).toContain("tickTime=200\n");
      process.kill(server.pid, "SIGTERM");
      expect(await server.exited).toBe(0);
      expect(server.stderr()).toContain("unknown key 'mystery' ignored");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it("runs an ensemble member from zoo.cfg server.N lines and dataDir (here a one-member ensemble that leads), keeping its tree across a restart", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "quorate-zkwire-"));
    try {
      const cfg = path.join(dir, "zoo.cfg");
      const peerPort = await freePort();
      writeFileSync(cfg, `tickTime=200\ndataDir=${path.join(dir, "data")}\n4lw.commands.whitelist=*\nserver.1=127.0.0.1:${peerPort}:${peerPort + 1}\n`);
      const first = await startCli(["--config", cfg, "--port", "0", "--id", "1"]);
      await eventually(async () => (await fourLetterWord(first.port, "srvr").catch(() => "")).includes("Mode: leader"), 15_000, "member 1 to lead");
      const client = await WireClient.connect({ port: first.port });
      const create = encodeRequest({ type: "create", opcode: OpCode.create, path: "/kept", data: new Uint8Array([1]), acl: OPEN_ACL_UNSAFE, flags: 0, ttl: -1 });
      expect((await client.request(create.opcode, create.body)).err).toBe(0);
      client.destroy();
      process.kill(first.pid, "SIGTERM");
      expect(await first.exited).toBe(0);
      const second = await startCli(["--config", cfg, "--port", "0", "--id", "1"]);
      await eventually(async () => (await fourLetterWord(second.port, "srvr").catch(() => "")).includes("Mode: leader"), 15_000, "member 1 to lead again");
      const again = await WireClient.connect({ port: second.port });
      const exists = encodeRequest({ type: "exists", path: "/kept", watch: false });
      expect((await again.request(exists.opcode, exists.body)).err).toBe(0);
      again.destroy();
      process.kill(second.pid, "SIGTERM");
      expect(await second.exited).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("exits 2 with a clear message for a bad configuration or argument", async () => {
    const bin = path.resolve(import.meta.dirname, "../../bin/quorate.js");
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [bin, "zk-server", ...args], { stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("close", (code) => resolve({ code, stderr }));
      });
    const badPort = await run(["--port", "x"]);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('--port must be an integer in [0, 65535], got "x"');
    const missing = await run(["--config", "/nonexistent/zoo.cfg"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read /nonexistent/zoo.cfg");
    const ensemble = "1=127.0.0.1:1,2=127.0.0.1:2,3=127.0.0.1:3";
    const noId = await run(["--ensemble", ensemble, "--data", "/tmp/x"]);
    expect([noId.code, noId.stderr]).toEqual([2, expect.stringContaining("ensemble mode needs --id")]);
    const notMember = await run(["--ensemble", ensemble, "--id", "4", "--data", "/tmp/x"]);
    expect([notMember.code, notMember.stderr]).toEqual([2, expect.stringContaining("--id 4 is not among the members 1,2,3")]);
    const noData = await run(["--ensemble", ensemble, "--id", "1"]);
    expect([noData.code, noData.stderr]).toEqual([2, expect.stringContaining("ensemble mode needs --data")]);
    const badList = await run(["--ensemble", "1=nowhere", "--id", "1", "--data", "/tmp/x"]);
    expect(badList.code).toBe(2);
  }, 30_000);
});
