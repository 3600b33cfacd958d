/**
 * The golden transcript replayer: reads `zk-golden/1` files (the only I/O here), replays each through a fresh
 * quorate ZooKeeper-style service, normalises quorate's answers and compares them step by step.
 */
import { readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { StepDiff } from "./compare.js";
import { compareStep } from "./compare.js";
import type { Transcript } from "./format.js";
import { TranscriptError, parseTranscript } from "./format.js";
import { normaliseRun } from "./normalise.js";
import { runTranscript } from "./run.js";
import { runTranscriptOverWire } from "./wire.js";

export { TranscriptError, parseTranscript, validateTranscript } from "./format.js";
export type { Transcript, TranscriptStep } from "./format.js";
export { compareStep, firstDifference } from "./compare.js";
export type { StepDiff } from "./compare.js";
export { normaliseRun, renderData } from "./normalise.js";
export { runTranscript, GOLDEN_SERVER } from "./run.js";
export { runTranscriptOverWire } from "./wire.js";
export type { WireReplayOptions } from "./wire.js";
export { MAX_REPLAY_MEMBERS } from "./targets.js";

/** How to replay. */
export interface ReplayOptions {
  /** Over ZooKeeper's wire protocol, through quorate's wire server on a loopback port (`zk-replay --wire`). */
  readonly wire?: boolean;
  /**
   * With `wire`: against an in-process ensemble of this many members, a wire server in front of each
   * (`zk-replay --wire --ensemble N`); default a single node.
   */
  readonly ensemble?: number;
}

/** The outcome of one scenario. */
export interface ScenarioReport {
  readonly id: string;
  readonly file: string;
  readonly status: "pass" | "fail" | "skip";
  /** For a failure: the first differing step (or `"opened"` for the session set-up). */
  readonly step?: number | "opened";
  /** For a failure: the first differing field, expected vs got. */
  readonly diff?: StepDiff;
  /** Steps that could not be replayed (wire-level only), with the reason. */
  readonly skipped: readonly { readonly step: number; readonly reason: string }[];
  /** Steps that used wire-level features through the request-level API and were compared. */
  readonly wireSteps: readonly number[];
  readonly steps: number;
}

/** The outcome of a whole replay. */
export interface ReplayReport {
  readonly scenarios: readonly ScenarioReport[];
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

/** Replays one parsed transcript (in process, or over the wire with `options.wire`). */
export async function replayTranscript(transcript: Transcript, options: ReplayOptions = {}): Promise<ScenarioReport> {
  if (options.ensemble !== undefined && options.wire !== true) throw new RangeError("an ensemble replay runs over the wire: set wire too");
  const run = options.wire === true ? await runTranscriptOverWire(transcript, options.ensemble === undefined ? {} : { ensemble: options.ensemble }) : await runTranscript(transcript);
  const base = { id: transcript.id, file: transcript.file, steps: transcript.steps.length };
  const wireSteps = run.steps.flatMap((s, i) => (s.wire && s.skip === undefined ? [i] : []));
  const skipped = run.steps.flatMap((s, i) => (s.skip === undefined ? [] : [{ step: i, reason: s.skip }]));
  for (const [name, timeout] of Object.entries(transcript.opened)) {
    if (run.opened[name] !== timeout) {
      return { ...base, status: "fail", step: "opened", diff: { field: `opened/${name}/timeout_ms`, expected: timeout, got: run.opened[name] }, skipped, wireSteps };
    }
  }
  const normalised = normaliseRun(run);
  for (const expected of transcript.steps) {
    if (run.steps[expected.index]!.skip !== undefined) continue;
    const diff = compareStep(expected, normalised[expected.index]!, transcript.ignore);
    if (diff !== undefined) return { ...base, status: "fail", step: expected.index, diff, skipped, wireSteps };
  }
  return { ...base, status: skipped.length > 0 ? "skip" : "pass", skipped, wireSteps };
}

/** Reads and validates a transcript file (throws {@link TranscriptError} naming the file and field). */
export async function loadTranscript(file: string): Promise<Transcript> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new TranscriptError(file, "(file)", `cannot read: ${(e as Error).message}`);
  }
  return parseTranscript(file, text);
}

/** The transcript files of a directory (`*.json`, sorted), or the single file given. */
export async function transcriptFiles(target: string): Promise<string[]> {
  const info = await stat(target);
  if (!info.isDirectory()) return [target];
  return (await readdir(target)).filter((f) => f.endsWith(".json")).sort().map((f) => path.join(target, f));
}

/** Replays a file or every transcript of a directory. All files are validated before any is replayed. */
export async function replayPath(target: string, options: ReplayOptions = {}): Promise<ReplayReport> {
  const transcripts = await Promise.all((await transcriptFiles(target)).map(loadTranscript));
  const scenarios: ScenarioReport[] = [];
  for (const t of transcripts) scenarios.push(await replayTranscript(t, options));
  return {
    scenarios,
    passed: scenarios.filter((s) => s.status === "pass").length,
    failed: scenarios.filter((s) => s.status === "fail").length,
    skipped: scenarios.filter((s) => s.status === "skip").length,
  };
}
