/**
 * Recovery decisions over bytes (pure): given the directory listing and the content of the segment and
 * hard-state files, decide what the durable log is, which torn tail to cut off, which leftovers to remove —
 * or refuse to start with a {@link StorageError} naming the file and offset.
 *
 * Rules: a damaged batch at the very end of the last segment (a record cut short, a CRC failure, garbage) is a
 * torn tail — it was never acknowledged, because a batch is acknowledged only after its fdatasync and the next
 * batch is written only after that — and is cut off (and reported). Damage anywhere else (a later batch that
 * still validates, or an earlier segment), a missing segment and a term going backwards refuse to start.
 * Segments are preallocated with zeros: the zeros after the last batch are free space, and a torn tail is
 * zeroed (up to the end of data), not cut, so the segment keeps its preallocated size.
 * @module
 */
import { StorageError } from "./errors.js";
import {
  FORMAT_VERSION,
  STATE_FILE,
  TMP_SUFFIX,
  decodeSnapshotFile,
  decodeStateFile,
  endOfData,
  findBatchAfter,
  parseSegmentName,
  parseSnapshotName,
  readRecord,
  snapshotName,
  type WalRecord,
} from "./format.js";
import { LogModel } from "./log-model.js";

/** One recovered entry: generic index and term, and the vocabulary's payload. */
export interface RecoveredEntry {
  readonly index: number;
  readonly term: number;
  readonly payload: Uint8Array;
}

/** What the log holds durably, in the generic vocabulary. */
export interface RecoveredLog {
  /** The hard-state file (absent: never written). */
  readonly state?: { readonly term: number; readonly payload: Uint8Array };
  readonly snapshot?: { readonly index: number; readonly term: number; readonly payload: Uint8Array };
  /** Entries after the snapshot (or from index 1), contiguous. */
  readonly entries: readonly RecoveredEntry[];
  readonly commit: number;
}

/** A segment that stays, with what the writer needs to know to compact it later. */
export interface SegmentInfo {
  readonly seq: number;
  readonly name: string;
  /** Highest entry index written in it (0 if none). */
  maxIndex: number;
}

/** The decision after reading the segments: what to cut, what to remove, and which snapshot file to load. */
export interface RecoveryPlan {
  readonly model: LogModel;
  readonly state?: { readonly term: number; readonly payload: Uint8Array };
  /** A torn tail to erase: the last segment's bytes [offset, offset + dropped) are overwritten with zeros. */
  readonly truncate?: { readonly name: string; readonly offset: number; readonly dropped: number; readonly why: string };
  /** Leftover files to delete: temp files, snapshot files no marker refers to. */
  readonly remove: readonly string[];
  /** The snapshot file to load (the latest marker's), if any. */
  readonly snapshotFile?: string;
  readonly segments: SegmentInfo[];
  /** Sequence number of the segment holding the latest snapshot marker (-1: none). */
  readonly markerSeq: number;
  /** Where the last segment's data ends after the cut: the next batch is written there. */
  readonly lastSegmentSize: number;
  /** Sequence number the next batch gets. */
  readonly nextBatchSeq: number;
}

/** What recovery reads: the listing and the bytes of every segment, and of the hard-state file if present. */
export interface RecoveryInput {
  readonly vocabulary: string;
  readonly names: readonly string[];
  readonly segments: ReadonlyMap<string, Uint8Array>;
  readonly state: Uint8Array | undefined;
}

type Op = Exclude<WalRecord, { type: "segment" } | { type: "batch" }>;

/** Applies one batch's records to the model; a string says which rule a record breaks. */
function applyOps(model: LogModel, ops: readonly Op[], offsets: readonly number[]): { why: string; offset: number } | null {
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k]!;
    let why: string | null = null;
    switch (op.type) {
      case "entry":
        why = model.checkEntries(op.index, [op.term]);
        if (why === null) model.appendEntries(op.index, [op.term], [op.payload]);
        break;
      case "truncate":
        why = model.checkTruncate(op.from);
        if (why === null) model.truncate(op.from);
        break;
      case "snapshot":
        why = model.checkSnapshot(op.index, op.term);
        if (why === null) model.installSnapshot(op.index, op.term, op.clear);
        break;
      case "commit":
        why = model.hasGap || op.index <= model.lastIndex ? null : `commit ${op.index} beyond the last index ${model.lastIndex}`;
        if (why === null) model.commit = op.index;
        break;
    }
    if (why !== null) return { why, offset: offsets[k]! };
  }
  return null;
}

/** Decides what the durable log is. Throws nothing: refusals come back as a {@link StorageError}. */
export function planRecovery(input: RecoveryInput): RecoveryPlan | StorageError {
  const remove = input.names.filter((n) => n.endsWith(TMP_SUFFIX));
  const segNames = input.names
    .map((name) => ({ name, seq: parseSegmentName(name) }))
    .filter((s): s is { name: string; seq: number } => s.seq !== undefined)
    .sort((a, b) => a.seq - b.seq);

  let state: RecoveryPlan["state"];
  if (input.state !== undefined) {
    const s = decodeStateFile(input.state);
    if (typeof s === "string") return new StorageError("corrupt-file", s, STATE_FILE);
    if (s.vocabulary !== input.vocabulary) return new StorageError("wrong-format", `written by the '${s.vocabulary}' vocabulary, opened as '${input.vocabulary}'`, STATE_FILE);
    state = { term: s.term, payload: s.payload };
  }

  const model = new LogModel([]);
  const segments: SegmentInfo[] = [];
  let markerSeq = -1;
  let truncate: RecoveryPlan["truncate"];
  let lastSegmentSize = 0;
  let nextBatchSeq = -1;
  for (let i = 0; i < segNames.length; i++) {
    const { name, seq } = segNames[i]!;
    const bytes = input.segments.get(name)!;
    const isLast = i === segNames.length - 1;
    const h = readRecord(bytes, 0);
    if (h.kind !== "ok" || h.record.type !== "segment") return new StorageError("corrupt-record", "the segment header is unreadable", name, 0);
    const hdr = h.record;
    if (hdr.version > FORMAT_VERSION) return new StorageError("wrong-format", `format version ${hdr.version}; this build reads up to ${FORMAT_VERSION}`, name, 0);
    if (hdr.vocabulary !== input.vocabulary) return new StorageError("wrong-format", `written by the '${hdr.vocabulary}' vocabulary, opened as '${input.vocabulary}'`, name, 0);
    if (hdr.seq !== seq) return new StorageError("corrupt-record", `header says segment ${hdr.seq}`, name, 0);
    if (i === 0) {
      if (seq !== 0) model.resumeAt(hdr.snapIndex, hdr.snapTerm, hdr.lastIndex, hdr.lastTerm, hdr.commit);
    } else {
      const prev = segNames[i - 1]!;
      if (seq !== prev.seq + 1) return new StorageError("missing-segment", `segment ${prev.seq + 1} is missing (found ${prev.name} then ${name})`, name, 0);
      if (hdr.lastIndex !== model.lastIndex || (!model.hasGap && hdr.lastTerm !== model.lastTerm)) {
        return new StorageError("missing-segment", `the segment continues the log after index ${hdr.lastIndex} (term ${hdr.lastTerm}) but ${prev.name} ends at ${model.lastIndex} (term ${model.lastTerm})`, name, 0);
      }
    }
    const info: SegmentInfo = { seq, name, maxIndex: 0 };
    segments.push(info);
    let at = h.end;
    const dataEnd = endOfData(bytes);
    while (at < dataEnd) {
      const batch = readBatch(bytes, at);
      if ("why" in batch) {
        const damage = batch;
        const later = findBatchAfter(bytes, damage.searchFrom);
        if (!isLast || later !== undefined) {
          const where = isLast ? `a later batch at offset ${later} is intact, so this is not a torn tail` : "a later segment exists, so this is not a torn tail";
          return new StorageError("corrupt-record", `${damage.why} (${where})`, name, damage.offset);
        }
        truncate = { name, offset: at, dropped: dataEnd - at, why: `${damage.why} at offset ${damage.offset}` };
        break;
      }
      if (nextBatchSeq >= 0 && batch.seq !== nextBatchSeq) {
        return new StorageError(batch.seq > nextBatchSeq ? "missing-segment" : "corrupt-record", `batch ${batch.seq} follows batch ${nextBatchSeq - 1}`, name, at);
      }
      nextBatchSeq = batch.seq + 1;
      const bad = applyOps(model, batch.ops, batch.offsets);
      if (bad !== null) return new StorageError(/term goes backwards/.test(bad.why) ? "term-regression" : "corrupt-record", `a record breaks the log's rules: ${bad.why}`, name, bad.offset);
      for (const op of batch.ops) {
        if (op.type === "entry" && op.index > info.maxIndex) info.maxIndex = op.index;
        if (op.type === "snapshot") markerSeq = seq;
      }
      at = batch.end;
    }
    if (isLast) lastSegmentSize = at;
  }
  if (model.hasGap) {
    return new StorageError("missing-segment", `entries ${model.snapIndex + 1}..${model.start - 1} are in no segment (segments before it were removed)`, segNames[0]?.name, 0);
  }
  const stateTerm = state?.term ?? 0;
  if (model.lastTerm > stateTerm || model.snapTerm > stateTerm) {
    return new StorageError("term-regression", `the log holds term ${Math.max(model.lastTerm, model.snapTerm)} but the hard state's term is ${stateTerm}`, STATE_FILE);
  }
  const wanted = model.snapIndex > 0 || markerSeq >= 0 ? snapshotName(model.snapIndex, model.snapTerm) : undefined;
  for (const n of input.names) if (parseSnapshotName(n) !== undefined && n !== wanted) remove.push(n);
  if (wanted !== undefined && !input.names.includes(wanted)) {
    return new StorageError("corrupt-file", `the log's snapshot marker (index ${model.snapIndex}, term ${model.snapTerm}) names a missing snapshot file`, wanted);
  }
  return {
    model,
    ...(state === undefined ? {} : { state }),
    ...(truncate === undefined ? {} : { truncate }),
    remove,
    ...(wanted === undefined ? {} : { snapshotFile: wanted }),
    segments,
    markerSeq,
    lastSegmentSize,
    nextBatchSeq: Math.max(0, nextBatchSeq),
  };
}

/** The recovered log once the snapshot file (if any) is read. */
export function finishRecovery(plan: RecoveryPlan, vocabulary: string, snapshotBytes: Uint8Array | undefined): RecoveredLog | StorageError {
  const m = plan.model;
  let snapshot: RecoveredLog["snapshot"];
  if (plan.snapshotFile !== undefined) {
    const s = decodeSnapshotFile(snapshotBytes ?? new Uint8Array(0));
    if (typeof s === "string") return new StorageError("corrupt-file", s, plan.snapshotFile);
    if (s.vocabulary !== vocabulary) return new StorageError("wrong-format", `written by the '${s.vocabulary}' vocabulary`, plan.snapshotFile);
    if (s.index !== m.snapIndex || s.term !== m.snapTerm) return new StorageError("corrupt-file", `holds (${s.index}, ${s.term}), expected (${m.snapIndex}, ${m.snapTerm})`, plan.snapshotFile);
    snapshot = { index: s.index, term: s.term, payload: s.payload };
  }
  const entries: RecoveredEntry[] = new Array(m.terms.length);
  for (let k = 0; k < m.terms.length; k++) entries[k] = { index: m.start + k, term: m.terms[k]!, payload: m.payloads![k]! };
  return { ...(plan.state === undefined ? {} : { state: plan.state }), ...(snapshot === undefined ? {} : { snapshot }), entries, commit: m.commit };
}

type BatchRead =
  | { seq: number; ops: Op[]; offsets: number[]; end: number }
  | { why: string; offset: number; searchFrom: number };

/** Reads the batch at `at`: all of it, or where and why it is damaged. */
function readBatch(bytes: Uint8Array, at: number): BatchRead {
  const h = readRecord(bytes, at);
  if (h.kind !== "ok") return { why: h.kind === "short" ? "a batch header cut short" : h.why, offset: at, searchFrom: at };
  if (h.record.type !== "batch") return { why: `a ${h.record.type} record where a batch was expected`, offset: at, searchFrom: at };
  const end = h.end + h.record.length;
  if (end > bytes.length) return { why: "a batch cut short", offset: at, searchFrom: at };
  const ops: Op[] = [];
  const offsets: number[] = [];
  let p = h.end;
  while (p < end) {
    const r = readRecord(bytes.subarray(0, end), p);
    if (r.kind !== "ok") return { why: r.kind === "short" ? "a record cut short" : r.why, offset: p, searchFrom: end - 1 };
    if (r.record.type === "segment" || r.record.type === "batch") return { why: `a ${r.record.type} record inside a batch`, offset: p, searchFrom: end - 1 };
    ops.push(r.record);
    offsets.push(p);
    p = r.end;
  }
  return { seq: h.record.seq, ops, offsets, end };
}
