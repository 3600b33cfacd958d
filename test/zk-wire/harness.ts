// Shared helpers of the wire tests: an in-process server on a free loopback port, stopped by its handle.
import { spawn } from "node:child_process";
import net from "node:net";
import type { ZkWireConfig } from "../../src/adapters/zk-wire/config.js";
import type { JuteWriter } from "../../src/adapters/zk-wire/jute.js";
import { beginFrame, endFrame } from "../../src/adapters/zk-wire/protocol.js";
import type { ConnectRequest } from "../../src/adapters/zk-wire/records.js";
import { ConnectRequestCodec } from "../../src/adapters/zk-wire/records.js";
import { defaultConfig } from "../../src/adapters/zk-wire/config.js";
import type { ZkWireServer } from "../../src/adapters/zk-wire/server.js";
import { startZkWireServer } from "../../src/adapters/zk-wire/server.js";

/** A config for tests: port 0 (free), short ticks, TTL on, every four-letter word. */
export function testConfig(overrides: Partial<ZkWireConfig> = {}): ZkWireConfig {
  return { ...defaultConfig(), clientPort: 0, tickTimeMs: 200, minSessionTimeoutMs: 400, maxSessionTimeoutMs: 4000, extendedTypesEnabled: true, fourLetterWords: new Set(["*"]), ...overrides };
}

/** Starts a server; the caller closes it. Diagnostics are collected in `logs`. */
export async function startTestServer(overrides: Partial<ZkWireConfig> = {}): Promise<{ server: ZkWireServer; logs: string[] }> {
  const logs: string[] = [];
  const server = await startZkWireServer({ config: testConfig(overrides), log: (l) => logs.push(l) });
  return { server, logs };
}

/** Sends raw bytes and collects everything the server sends until it closes the connection or `ms` pass. */
export function exchange(port: number, bytes: Uint8Array, ms = 2000): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, "127.0.0.1", () => socket.write(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), closed: false });
    }, ms);
    socket.on("data", (c) => chunks.push(c));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), closed: true });
    });
  });
}

/** Resolves when `check` holds, polling every 20 ms; rejects after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs a program with `input` on stdin, bounded by `ms` (then killed by PID); resolves with its output. */
export function runProgram(command: string, args: readonly string[], input: string, ms: number, env: NodeJS.ProcessEnv = process.env): Promise<{ stdout: string; stderr: string; code: number | null; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { stdio: ["pipe", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    }, ms);
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, timedOut });
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(input);
  });
}

/** A frame built with the codec's writer (length prefix added). */
export function frame(write: (w: JuteWriter) => void): Uint8Array {
  const w = beginFrame();
  write(w);
  return endFrame(w);
}

/** A ConnectRequest frame (new session unless `sessionId`/`passwd` say otherwise). */
export function connectFrame(extra: Partial<ConnectRequest> = {}): Uint8Array {
  return frame((w) => ConnectRequestCodec.write(w, { protocolVersion: 0, lastZxidSeen: 0n, timeOut: 30000, sessionId: 0n, passwd: new Uint8Array(16), ...extra }));
}

/** A request frame: header (xid, opcode) and a body. */
export function requestFrame(xid: number, opcode: number, body: (w: JuteWriter) => void = () => undefined): Uint8Array {
  return frame((w) => {
    w.int(xid).int(opcode);
    body(w);
  });
}

/** Splits a byte stream into frame bodies (a trailing partial frame is returned as `rest`). */
export function frames(data: Uint8Array): { bodies: Uint8Array[]; rest: number } {
  const bodies: Uint8Array[] = [];
  let at = 0;
  while (data.length - at >= 4) {
    const len = new DataView(data.buffer, data.byteOffset + at, 4).getInt32(0);
    if (data.length - at - 4 < len) break;
    bodies.push(data.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return { bodies, rest: data.length - at };
}

/** Concatenates frames. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))));
}
