/**
 * Records the project's ZooKeeper transcripts (test/data/zk/*.json, format `zk-golden/1`, the format
 * `quorate zk-replay` reads) against a real ZooKeeper 3.8 — Debian's package, started here for each scenario on a
 * free loopback port with a fresh temp dataDir and stopped by PID. Scenarios: scripts/zk-record/scenarios.ts.
 *
 * Usage: npx tsx scripts/record-zk-transcripts.ts [--out DIR] [--only ID]   (default out: test/data/zk)
 * Needs: java 17 and the Debian package `zookeeper` (jars in /usr/share/java).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { JuteReader } from "../src/adapters/zk-wire/jute.js";
import { lastZxid, startRealZooKeeper } from "../test/support/real-zookeeper.js";
import type { WatcherEvent } from "../src/adapters/zk-wire/records.js";
import { OpCode } from "../src/core/zk/index.js";
import { CODE_NAMES, EVENT_TYPES, KEEPER_STATES } from "./zk-record/jute.js";
import { normaliseResults, rawJson } from "./zk-record/normalise.js";
import type { RawResult } from "./zk-record/ops.js";
import { encodeOp } from "./zk-record/ops.js";
import type { Scenario } from "./zk-record/scenarios.js";
import { SCENARIOS } from "./zk-record/scenarios.js";
import { WireSession } from "./zk-record/wire.js";

const { values } = parseArgs({ options: { out: { type: "string" }, only: { type: "string" } } });
const repoRoot = path.resolve(import.meta.dirname, "..");
const outDir = path.resolve(values.out ?? path.join(repoRoot, "test/data/zk"));
/** Milliseconds slept before each step, so that no two transactions share a millisecond timestamp. */
const STEP_GAP_MS = 6;
/** A reply that has not come after this long is reported as a lost connection. */
const REPLY_TIMEOUT_MS = 5000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  return Promise.race([p, sleep(ms).then(() => "timeout" as const)]);
}

async function record(scenario: Scenario, server: { port: number; version: string }) {
  const sessions = new Map<string, WireSession>();
  const names = new Map<bigint, string>();
  const opened: Record<string, { timeout_ms: number; read_only: boolean }> = {};
  const open = async (name: string, timeoutMs: number) => {
    const s = await WireSession.connect(server.port, timeoutMs);
    sessions.set(name, s);
    names.set(s.sessionId, name);
    return s;
  };
  for (const [name, timeout] of Object.entries(scenario.sessions)) {
    const s = await open(name, timeout);
    opened[name] = { timeout_ms: s.timeoutMs, read_only: s.readOnly };
  }
  const base = await lastZxid(server.port);
  const results: RawResult[] = [];
  const events: Record<string, WatcherEvent[]>[] = [];
  const zxids: number[] = [];
  const frameLens: (number | undefined)[] = [];
  for (const step of scenario.steps) {
    await sleep(STEP_GAP_MS);
    if (process.env.ZK_RECORD_DEBUG) process.stderr.write(`${scenario.id} step ${results.length}: ${JSON.stringify(step)}\n`);
    for (const s of sessions.values()) s.events.length = 0;
    let result: RawResult = {};
    let frameLen: number | undefined;
    if (typeof step.op === "string") {
      const session = sessions.get(step.session as string)!;
      const req = encodeOp(step);
      frameLen = 8 + req.body.length;
      const reply = await withTimeout(session.request(req.opcode, req.body), REPLY_TIMEOUT_MS).catch(() => "closed" as const);
      if (reply === "timeout" || reply === "closed") {
        result = { err: "CONNECTIONLOSS", code: -4, connection_closed_by_server: true };
      } else {
        result = { err: CODE_NAMES[reply.err] ?? `UNKNOWN(${reply.err})`, code: reply.err, zxid: reply.zxid };
        // A multi answers its per-op results also when it failed.
        if (reply.err === 0 || step.op === "multi") {
          if (reply.body.length > 0) Object.assign(result, req.decode(new JuteReader(reply.body)));
        }
      }
    } else if (typeof step.wait_ms === "number") {
      await sleep(step.wait_ms);
    } else if (typeof step.open === "string") {
      const s = await open(step.open, step.timeout_ms as number);
      result = { err: "OK", code: 0, timeout_ms: s.timeoutMs, read_only: s.readOnly };
    } else if (typeof step.close === "string") {
      const s = sessions.get(step.close)!;
      const reply = await s.request(OpCode.closeSession, new Uint8Array(0));
      if (!s.serverClosed) await sleep(1000);
      result = { err: CODE_NAMES[reply.err] ?? String(reply.err), code: reply.err, zxid: reply.zxid, server_closed_connection: true };
      sessions.delete(step.close);
      s.destroy();
    } else {
      throw new Error(`${scenario.id}: the recorder does not run step ${JSON.stringify(step)}`);
    }
    // Drain: a server sends a session's notifications before its later replies, so one ping each suffices.
    for (const s of sessions.values()) if (!s.serverClosed) await withTimeout(s.ping(), REPLY_TIMEOUT_MS).catch(() => undefined);
    const stepEvents: Record<string, WatcherEvent[]> = {};
    for (const [name, s] of sessions) if (s.events.length > 0) stepEvents[name] = [...s.events];
    for (const s of sessions.values()) s.events.length = 0;
    results.push(result);
    events.push(stepEvents);
    zxids.push(await lastZxid(server.port));
    frameLens.push(frameLen);
  }
  for (const s of sessions.values()) s.destroy();
  const normalised = normaliseResults(results, base, names);
  const rel = (z: number) => (z > 0 ? z - base : z);
  const doc = {
    format: "zk-golden/1",
    id: scenario.id,
    title: scenario.title,
    topics: scenario.topics,
    notes: "Recorded by quorate's scripts/record-zk-transcripts.ts; see test/data/README.md.",
    ...(scenario.extendedTypesEnabled === false ? { server: { extendedTypesEnabled: false } } : {}),
    sessions: Object.fromEntries(Object.entries(scenario.sessions).map(([n, t]) => [n, { timeout_ms: t }])),
    opened,
    ignore: [],
    steps: scenario.steps.map((step, i) => {
      const ev = Object.fromEntries(
        Object.entries(events[i]!).map(([n, list]) => [n, list.map((e) => ({ type: EVENT_TYPES[e.type] ?? String(e.type), state: KEEPER_STATES[e.state] ?? String(e.state), path: e.path }))]),
      );
      return {
        step,
        result: normalised[i],
        ...(Object.keys(ev).length > 0 ? { events: ev } : {}),
        zxid_after: rel(zxids[i]!),
        raw: { result: rawJson(results[i]!), zxid_after: zxids[i], ...(frameLens[i] === undefined ? {} : { request_frame_len: frameLens[i] }) },
      };
    }),
    raw: { server_version: server.version, base_zxid: base, session_ids: Object.fromEntries([...names].map(([id, n]) => [n, `0x${id.toString(16)}`])) },
  };
  return doc;
}

mkdirSync(outDir, { recursive: true });
for (const scenario of SCENARIOS) {
  if (values.only !== undefined && scenario.id !== values.only) continue;
  const server = await startRealZooKeeper({
    extendedTypesEnabled: scenario.extendedTypesEnabled ?? true,
    // ZK_RECORD_LOG=FILE keeps the server's log for debugging a recording.
    ...(process.env.ZK_RECORD_LOG === undefined ? {} : { logFile: process.env.ZK_RECORD_LOG }),
  });
  try {
    const doc = await record(scenario, server);
    writeFileSync(path.join(outDir, `${scenario.id}.json`), `${JSON.stringify(doc, null, 1)}\n`);
    process.stdout.write(`${scenario.id}: ${doc.steps.length} steps (server pid ${server.pid}, port ${server.port})\n`);
  } finally {
    await server.stop();
  }
}
