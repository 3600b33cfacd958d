/**
 * The write-ahead log: the I/O half of the storage adapter. It validates each write against the pure
 * {@link LogModel}, encodes it with `format.ts`, and makes it durable with group commit — the writes issued while
 * an fdatasync is running share the next one — resolving each write's promise only after the fdatasync of its
 * batch returned. Recovery on open is decided by `recovery.ts` over the bytes read here.
 *
 * Order inside one batch: the hard-state file (the batch's last hard state: term and vote only grow, so making
 * them durable before the log records of the same batch is safe), the snapshot file (inert until its marker is
 * durable), then the batch of log records and one fdatasync. With {@link WalOptions.backgroundSnapshots}, a
 * local snapshot leaves the batch: its file is written and synced beside the queue, and only then is its marker
 * appended (a write of its own) and the log compacted. After any write or fsync failure the log accepts nothing
 * more (a failed fsync cannot be retried safely): restart and recover what is durable.
 *
 * Segments are preallocated, as etcd's WAL does: a segment is a file of zeros of the segment size, written and
 * synced before it is used, so a batch is a positional write inside the file and its fdatasync has no file size
 * to commit (on ext4 a growing file's fdatasync commits a journal transaction: about ten times slower). The
 * next segment is prepared in the background (`<name>.tmp`, zero-filled and synced) while the current one fills,
 * so no acknowledged write waits for zero-filling except when the log outruns the preparation.
 * @module
 */
import { StorageError } from "./errors.js";
import {
  STATE_FILE,
  TMP_SUFFIX,
  encodeBatch,
  encodeSegmentHeader,
  parseSegmentName,
  segmentName,
  snapshotFileParts,
  snapshotName,
  stateFileParts,
  type FileParts,
  type WalWriteRecord,
} from "./format.js";
import { pathOf, type AppendHandle, type FileSystem } from "./fs.js";
import { LogModel, type SnapshotRetention } from "./log-model.js";
import { finishRecovery, planRecovery, type RecoveredLog, type SegmentInfo } from "./recovery.js";

/** One operation of a write, in the generic vocabulary (indices from 1, terms from 0). */
export type WalOp =
  /** Append entries (contiguous), overwriting any suffix of the log from the first one. */
  | { readonly type: "entries"; readonly entries: readonly { readonly index: number; readonly term: number; readonly payload: Uint8Array | readonly Uint8Array[] }[] }
  /** Drop entries with index ≥ `from`. */
  | { readonly type: "truncate"; readonly from: number }
  /**
   * Install a snapshot; `retention` says which entries after it survive. Its payload may come in parts, written
   * one after the other (the same bytes, no concatenation), and is not copied: it must not change afterwards.
   */
  | { readonly type: "snapshot"; readonly index: number; readonly term: number; readonly payload: Uint8Array | readonly Uint8Array[]; readonly retention: SnapshotRetention }
  /** The commit index. */
  | { readonly type: "commit"; readonly index: number }
  /** The hard state: its term (never decreasing) and the vocabulary's payload. */
  | { readonly type: "state"; readonly term: number; readonly payload: Uint8Array };

/** Where the log stands after a write: what its acknowledgement reports. */
export interface LogPosition {
  readonly snapIndex: number;
  readonly snapTerm: number;
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly commit: number;
}

/** Options of {@link WriteAheadLog.open}. */
export interface WalOptions {
  readonly fs: FileSystem;
  readonly dir: string;
  /** The record vocabulary (`raft`, `kraft`); a directory is only reopened with the same one. */
  readonly vocabulary: string;
  /**
   * Each segment is preallocated to this many bytes, and a new one is started once the current one's data
   * reaches it (a batch crossing the end grows the file). Default 16 MiB.
   */
  readonly segmentBytes?: number;
  /** Share one fdatasync between the writes issued while the previous one ran. Default true. */
  readonly groupCommit?: boolean;
  /** Where recovery reports what it cut off or removed. Default: stderr. */
  readonly log?: (line: string) => void;
  /**
   * Write a LOCAL snapshot's file in the background. A snapshot is local when the log itself holds what it
   * summarises: it is past the current snapshot and the log's entry at its index has its term (the owner
   * snapshotting its own applied state; a snapshot beyond the log, a leader's, is written in its batch). Its write is then acknowledged with the batch's other records, without waiting for the file;
   * the file is written and synced beside the queue, its marker appended once the file is durable, and the log
   * compacted after that. Until the marker is durable the log keeps every entry, so a restart may find the
   * previous snapshot and more entries instead of this snapshot: the same state for an owner that rebuilds its
   * state by replaying committed entries over a snapshot (Raft). Default false: every snapshot is written in
   * its batch, and a restart finds exactly the acknowledged snapshot.
   */
  readonly backgroundSnapshots?: boolean;
}

/** Counters of {@link WriteAheadLog.stats}. */
export interface WalStats {
  /** Writes acknowledged. */
  readonly writes: number;
  /** Batches written (one fdatasync of the segment each). */
  readonly batches: number;
  /** fdatasync calls on segments. */
  readonly walSyncs: number;
  /** Other syncs: hard-state and snapshot files, and directories. */
  readonly otherSyncs: number;
  /** Bytes appended to segments. */
  readonly bytes: number;
  /** Batch-size histogram: `sizes[k]` counts batches of (2^(k-1), 2^k] writes (k = 0: batches of 1). */
  readonly batchSizes: readonly number[];
  readonly maxBatch: number;
  readonly segments: number;
}

interface Pending {
  readonly records: WalWriteRecord[];
  readonly state: { readonly term: number; readonly payload: Uint8Array } | undefined;
  /** The snapshot whose marker is in `records`; no parts: its file was made durable in the background. */
  readonly snapshot: { readonly name: string; readonly parts: FileParts | undefined } | undefined;
  readonly position: LogPosition;
  readonly resolve: (p: LogPosition) => void;
  readonly reject: (e: StorageError) => void;
}

const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;

/** The preparation of the next segment: its sequence number and the outcome of zero-filling its temp file. */
interface Preparation {
  readonly seq: number;
  readonly done: Promise<unknown>;
}

/** A local snapshot waiting for, or in, its background write. */
interface BackgroundSnapshot {
  readonly index: number;
  readonly term: number;
  readonly payload: Uint8Array | readonly Uint8Array[];
  /** The file of a later snapshot written in its batch, which made this one pointless before its marker was queued. */
  supersededBy: string | undefined;
}

/** Whether `name` is the temp name of a segment (prepared, or being cut). */
function isPreparedSegment(name: string): boolean {
  return name.endsWith(TMP_SUFFIX) && parseSegmentName(name.slice(0, -TMP_SUFFIX.length)) !== undefined;
}

function ioError(e: unknown, what: string): StorageError {
  if (e instanceof StorageError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  const msg = e instanceof Error ? e.message : String(e);
  return new StorageError(code === "ENOSPC" ? "no-space" : "io-failed", `${what}: ${msg}`);
}

/** A durable, segmented write-ahead log with group commit. Open with {@link WriteAheadLog.open}. */
export class WriteAheadLog {
  private readonly model = new LogModel();
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private failed: StorageError | undefined;
  private handle!: AppendHandle;
  private segmentSize = 0;
  private preparing: Preparation | undefined;
  private segments: SegmentInfo[] = [];
  private markerSeq = -1;
  private batchSeq = 0;
  private durable!: LogPosition;
  /** The snapshot of the last durable marker (what a restart loads), which segment headers and compaction use. */
  private durableSnap = { index: 0, term: 0 };
  private snapshotFile: string | undefined;
  /** The background snapshot write in progress, and the local snapshot queued after it (a newer one replaces it). */
  private snapshotJob: { readonly current: BackgroundSnapshot; readonly file: Promise<void>; readonly done: Promise<void> } | undefined;
  private nextSnapshot: BackgroundSnapshot | undefined;
  private stateTerm = 0;
  private readonly groupCommit: boolean;
  private readonly segmentBytes: number;
  private counters = { writes: 0, batches: 0, walSyncs: 0, otherSyncs: 0, bytes: 0, maxBatch: 0 };
  private readonly sizes: number[] = [];

  private constructor(private readonly o: WalOptions) {
    this.groupCommit = o.groupCommit ?? true;
    this.segmentBytes = o.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  }

  /**
   * Opens (or creates) the log in `options.dir` and recovers it: a torn tail is cut off and logged; damage before
   * the tail, a missing segment or a term going backwards throws a {@link StorageError} naming file and offset.
   */
  static async open(options: WalOptions): Promise<{ wal: WriteAheadLog; recovered: RecoveredLog }> {
    const wal = new WriteAheadLog(options);
    const recovered = await wal.recover();
    return { wal, recovered };
  }

  private path(name: string): string {
    return pathOf(this.o.dir, name);
  }

  private async recover(): Promise<RecoveredLog> {
    const { fs, dir, vocabulary } = this.o;
    const log = this.o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    await fs.mkdirp(dir);
    const names = (await fs.list(dir)).sort();
    const segments = new Map<string, Uint8Array>();
    for (const n of names) if (parseSegmentName(n) !== undefined) segments.set(n, await fs.readFile(this.path(n)));
    const state = names.includes(STATE_FILE) ? await fs.readFile(this.path(STATE_FILE)) : undefined;
    const plan = planRecovery({ vocabulary, names, segments, state });
    if (plan instanceof StorageError) throw plan;
    const snapshotBytes = plan.snapshotFile === undefined ? undefined : await fs.readFile(this.path(plan.snapshotFile));
    const recovered = finishRecovery(plan, vocabulary, snapshotBytes);
    if (recovered instanceof StorageError) throw recovered;
    let dirty = false;
    if (plan.truncate !== undefined) {
      const t = plan.truncate;
      log(`storage: ${this.path(t.name)}: torn tail cut at offset ${t.offset} (${t.dropped} bytes zeroed: ${t.why})`);
      const h = await fs.openAt(this.path(t.name), t.offset);
      try {
        await h.append(new Uint8Array(t.dropped));
        await h.datasync();
      } finally {
        await h.close();
      }
      this.counters.otherSyncs++;
    }
    for (const n of plan.remove) {
      // A prepared next segment is an expected leftover of a stop without close: removed without a word.
      if (!isPreparedSegment(n)) log(`storage: removing leftover ${this.path(n)}`);
      await fs.unlink(this.path(n));
      dirty = true;
    }
    const m = plan.model;
    this.model.resumeAt(m.snapIndex, m.snapTerm, m.start - 1, m.termAt(m.start - 1) ?? m.snapTerm, m.commit);
    this.model.appendEntries(m.start, m.terms);
    this.model.commit = m.commit;
    this.durable = this.position();
    this.durableSnap = { index: m.snapIndex, term: m.snapTerm };
    this.stateTerm = plan.state?.term ?? 0;
    this.snapshotFile = plan.snapshotFile;
    this.segments = plan.segments;
    this.markerSeq = plan.markerSeq;
    this.batchSeq = plan.nextBatchSeq;
    if (this.segments.length === 0) {
      if (dirty) await this.syncDir();
      await this.cut(0);
    } else {
      if (dirty) await this.syncDir();
      const last = this.segments[this.segments.length - 1]!;
      this.handle = await fs.openAt(this.path(last.name), plan.lastSegmentSize);
      this.segmentSize = plan.lastSegmentSize;
      this.prepare(last.seq + 1);
    }
    return recovered;
  }

  private position(): LogPosition {
    const m = this.model;
    return { snapIndex: m.snapIndex, snapTerm: m.snapTerm, lastIndex: m.lastIndex, lastTerm: m.lastTerm, commit: m.commit };
  }

  /**
   * Issues a write. It is validated at once (a refused write throws — synchronously rejects — an `invalid-write`
   * {@link StorageError} and stops the log, since the caller's view of the log no longer matches it) and
   * resolves with the log's position after it once the fdatasync of its batch returned. Writes become durable
   * in the order issued.
   */
  append(ops: readonly WalOp[]): Promise<LogPosition> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    const records: WalWriteRecord[] = [];
    let state: Pending["state"];
    let snapshot: Pending["snapshot"];
    let local: BackgroundSnapshot | undefined;
    const m = this.model;
    // A follower installing a leader's snapshot drops its whole log, committed entries included.
    const replacesLog = ops.some((op) => op.type === "snapshot" && op.index >= m.commit);
    for (const op of ops) {
      let why: string | null = null;
      switch (op.type) {
        case "entries": {
          if (op.entries.length === 0) break;
          const first = op.entries[0]!.index;
          const terms = op.entries.map((e) => e.term);
          const gap = op.entries.findIndex((e, k) => e.index !== first + k);
          if (gap >= 0) {
            why = `the entries of a write must be contiguous: index ${op.entries[gap]!.index} at position ${gap} after ${first}`;
            break;
          }
          why = m.checkEntries(first, terms) ?? (replacesLog ? null : m.checkCommitted(first, terms[0]));
          if (why === null && terms[terms.length - 1]! > Math.max(this.stateTerm, state?.term ?? 0)) why = `entry term ${terms[terms.length - 1]} is above the hard state's term`;
          if (why !== null) break;
          m.appendEntries(first, terms);
          for (const e of op.entries) records.push({ type: "entry", index: e.index, term: e.term, payload: e.payload });
          break;
        }
        case "truncate":
          why = m.checkTruncate(op.from) ?? (replacesLog ? null : m.checkCommitted(op.from, undefined));
          if (why !== null) break;
          m.truncate(op.from);
          records.push({ type: "truncate", from: op.from });
          break;
        case "snapshot": {
          why = m.checkSnapshot(op.index, op.term);
          if (why !== null) break;
          if (this.o.backgroundSnapshots === true && op.index > m.snapIndex && m.termAt(op.index) === op.term) {
            // Local: the log holds every entry the snapshot summarises, and keeps them (the model now refuses to
            // truncate or overwrite them) until the marker is durable. The commit index the marker would raise
            // is written now, so that a restart before the marker finds the same commit index.
            if (op.index > m.commit) records.push({ type: "commit", index: op.index });
            m.installSnapshot(op.index, op.term, false);
            local = { index: op.index, term: op.term, payload: op.payload, supersededBy: undefined };
            break;
          }
          local = undefined;
          const clear = m.snapshotClears(op.index, op.term, op.retention);
          m.installSnapshot(op.index, op.term, clear);
          records.push({ type: "snapshot", index: op.index, term: op.term, clear });
          const name = snapshotName(op.index, op.term);
          snapshot = { name, parts: snapshotFileParts({ vocabulary: this.o.vocabulary, index: op.index, term: op.term, payload: op.payload }) };
          break;
        }
        case "commit":
          why = m.checkCommit(op.index);
          if (why !== null) break;
          m.commit = op.index;
          records.push({ type: "commit", index: op.index });
          break;
        case "state":
          if (!Number.isSafeInteger(op.term) || op.term < Math.max(this.stateTerm, state?.term ?? 0)) why = `hard-state term ${op.term} goes backwards`;
          else state = { term: op.term, payload: op.payload };
          break;
        default:
          why = `unknown write operation ${JSON.stringify((op as { type?: unknown }).type)}`;
      }
      if (why !== null) {
        this.failed = new StorageError("invalid-write", `${why}; the log stops accepting writes`);
        for (const p of this.queue.splice(0)) p.reject(this.failed);
        return Promise.reject(this.failed);
      }
    }
    if (state !== undefined) this.stateTerm = state.term;
    if (snapshot !== undefined) {
      // A snapshot written in its batch supersedes any local one whose marker is not queued yet.
      if (this.snapshotJob !== undefined) this.snapshotJob.current.supersededBy ??= snapshot.name;
      this.nextSnapshot = undefined;
    }
    const p = this.enqueue(records, state, snapshot);
    if (local !== undefined) this.startBackground(local);
    return p;
  }

  private enqueue(records: WalWriteRecord[], state: Pending["state"], snapshot: Pending["snapshot"]): Promise<LogPosition> {
    return new Promise<LogPosition>((resolve, reject) => {
      this.queue.push({ records, state, snapshot, position: this.position(), resolve, reject });
      if (this.flushing === undefined) this.flushing = this.drain();
    });
  }

  /** Writes `snap` in the background, or after the one in progress (replacing any older one waiting). */
  private startBackground(snap: BackgroundSnapshot): void {
    if (this.snapshotJob !== undefined) {
      this.nextSnapshot = snap;
      return;
    }
    let fileWritten!: () => void;
    const file = new Promise<void>((resolve) => (fileWritten = resolve));
    const done = this.writeBackground(snap, fileWritten).then(
      () => {
        this.snapshotJob = undefined;
        const next = this.nextSnapshot;
        this.nextSnapshot = undefined;
        if (next !== undefined && this.failed === undefined) this.startBackground(next);
      },
      (e: unknown) => {
        this.snapshotJob = undefined;
        this.nextSnapshot = undefined;
        this.stop(ioError(e, "snapshot write failed; the log stops accepting writes"));
      },
    );
    this.snapshotJob = { current: snap, file, done };
  }

  /**
   * The file, synced and renamed durably; then, unless a snapshot written in its batch superseded it meanwhile,
   * the marker as a write of its own (never clearing: the entries after the snapshot are the log's own), whose
   * batch compacts the log once durable.
   */
  private async writeBackground(snap: BackgroundSnapshot, fileWritten: () => void): Promise<void> {
    const name = snapshotName(snap.index, snap.term);
    try {
      // Encoded after a turn of the event loop, not in `append`: the batch's write is issued first, and the CRC
      // of the snapshot does not lengthen the caller's step.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.failed !== undefined) return;
      await this.writeAtomic(name, snapshotFileParts({ vocabulary: this.o.vocabulary, index: snap.index, term: snap.term, payload: snap.payload }));
    } finally {
      fileWritten();
    }
    if (this.failed !== undefined) return;
    if (snap.supersededBy !== undefined) {
      // No marker will name it (a restart would remove it too), unless the snapshot superseding it has its name.
      if (snap.supersededBy !== name) {
        await this.o.fs.unlink(this.path(name));
        await this.syncDir();
      }
      return;
    }
    await this.enqueue([{ type: "snapshot", index: snap.index, term: snap.term, clear: false }], undefined, { name, parts: undefined });
  }

  /** Stops the log: every queued write is refused with `e`. */
  private stop(e: StorageError): void {
    this.failed ??= e;
    for (const p of this.queue.splice(0)) p.reject(this.failed);
  }

  private async drain(): Promise<void> {
    // Let the writes issued in the same turn of the event loop join the first batch.
    await Promise.resolve();
    while (this.queue.length > 0 && this.failed === undefined) {
      const batch = this.groupCommit ? this.queue.splice(0) : this.queue.splice(0, 1);
      try {
        await this.flush(batch);
      } catch (e) {
        this.failed = ioError(e, "write failed; the log stops accepting writes");
        for (const p of batch) p.reject(this.failed);
        for (const p of this.queue.splice(0)) p.reject(this.failed);
      }
    }
    this.flushing = undefined;
  }

  private async flush(batch: readonly Pending[]): Promise<void> {
    let state: Pending["state"];
    let snapshot: Pending["snapshot"];
    /** Files of background snapshots whose markers a later marker of this batch supersedes. */
    const superseded: string[] = [];
    const records: WalWriteRecord[] = [];
    for (const p of batch) {
      if (p.state !== undefined) state = p.state;
      if (p.snapshot !== undefined) {
        if (snapshot?.parts === undefined && snapshot !== undefined) superseded.push(snapshot.name);
        snapshot = p.snapshot;
      }
      for (const r of p.records) records.push(r);
    }
    if (state !== undefined) await this.writeAtomic(STATE_FILE, stateFileParts({ vocabulary: this.o.vocabulary, ...state }));
    if (snapshot?.parts !== undefined) {
      // A background snapshot's file may have the same name: its write (only the file's) ends first.
      await this.snapshotJob?.file;
      await this.writeAtomic(snapshot.name, snapshot.parts);
    }
    if (records.length > 0) {
      if (this.segmentSize >= this.segmentBytes) await this.cut(this.segments[this.segments.length - 1]!.seq + 1);
      const bytes = encodeBatch(this.batchSeq, records);
      await this.handle.append(bytes);
      await this.handle.datasync();
      this.batchSeq++;
      this.segmentSize += bytes.length;
      this.counters.walSyncs++;
      this.counters.bytes += bytes.length;
      const seg = this.segments[this.segments.length - 1]!;
      for (const r of records) {
        if (r.type === "entry" && r.index > seg.maxIndex) seg.maxIndex = r.index;
        if (r.type === "snapshot") {
          this.markerSeq = seg.seq;
          this.durableSnap = { index: r.index, term: r.term };
        }
      }
    }
    this.durable = batch[batch.length - 1]!.position;
    this.counters.batches++;
    this.counters.writes += batch.length;
    this.counters.maxBatch = Math.max(this.counters.maxBatch, batch.length);
    const bucket = Math.ceil(Math.log2(batch.length));
    this.sizes[bucket] = (this.sizes[bucket] ?? 0) + 1;
    for (const p of batch) p.resolve(p.position);
    if (snapshot !== undefined) await this.compact(snapshot.name, superseded);
  }

  /** Starts zero-filling segment `seq`'s temp file in the background (its failure surfaces at {@link cut}). */
  private prepare(seq: number): void {
    const tmp = this.path(segmentName(seq) + TMP_SUFFIX);
    const done = this.o.fs.allocate(tmp, this.segmentBytes).then(
      () => undefined,
      (e: unknown) => e ?? new Error("allocate failed"),
    );
    this.preparing = { seq, done };
  }

  /**
   * Starts segment `seq`: its preallocated temp file (prepared in the background, or now if it was not) gets the
   * header, synced, and is renamed, the directory synced; then the preparation of the next one starts.
   */
  private async cut(seq: number): Promise<void> {
    const fs = this.o.fs;
    const d = this.durable;
    const snap = this.durableSnap;
    const name = segmentName(seq);
    const tmp = this.path(name + TMP_SUFFIX);
    if (this.preparing?.seq !== seq) this.prepare(seq);
    const failure = await this.preparing!.done;
    this.preparing = undefined;
    if (failure !== undefined) throw ioError(failure, `preallocating ${tmp}`);
    const header = encodeSegmentHeader({ vocabulary: this.o.vocabulary, seq, snapIndex: snap.index, snapTerm: snap.term, lastIndex: d.lastIndex, lastTerm: d.lastTerm, commit: d.commit });
    // The header goes at the start of the zero-filled file, which keeps its preallocated size.
    await this.syncAndRename(await fs.openAt(tmp, 0), [header], tmp, name);
    const old = this.segments.length > 0 ? this.handle : undefined;
    this.handle = await fs.openAt(this.path(name), header.length);
    if (old !== undefined) await old.close();
    this.segments.push({ seq, name, maxIndex: 0 });
    this.segmentSize = header.length;
    this.prepare(seq + 1);
  }

  /**
   * After a snapshot marker is durable: removes the previous snapshot file, the files of background snapshots whose
   * markers the same batch superseded, and the segments wholly below it.
   */
  private async compact(current: string, superseded: readonly string[]): Promise<void> {
    const fs = this.o.fs;
    let removed = false;
    for (const old of [this.snapshotFile, ...superseded]) {
      if (old === undefined || old === current) continue;
      await fs.unlink(this.path(old));
      removed = true;
    }
    this.snapshotFile = current;
    const upTo = this.durableSnap.index;
    // Only a prefix, never the segment with the latest marker: recovery resumes from the first segment's header.
    while (this.segments.length > 1 && this.segments[0]!.seq < this.markerSeq && this.segments[0]!.maxIndex <= upTo) {
      await fs.unlink(this.path(this.segments.shift()!.name));
      removed = true;
    }
    if (removed) await this.syncDir();
  }

  private async writeAtomic(name: string, parts: FileParts): Promise<void> {
    const tmp = this.path(name + TMP_SUFFIX);
    await this.syncAndRename(await this.o.fs.openAppend(tmp, true), parts, tmp, name);
  }

  /**
   * Writes `parts` through `h`, one append each (a file's content is never concatenated: a snapshot's payload is
   * written as it is), and syncs it; then renames `tmp` to `name` durably (the directory synced).
   */
  private async syncAndRename(h: AppendHandle, parts: readonly Uint8Array[], tmp: string, name: string): Promise<void> {
    try {
      for (const part of parts) await h.append(part);
      await h.datasync();
    } finally {
      await h.close();
    }
    this.counters.otherSyncs++;
    await this.o.fs.rename(tmp, this.path(name));
    await this.syncDir();
  }

  private async syncDir(): Promise<void> {
    await this.o.fs.syncDir(this.o.dir);
    this.counters.otherSyncs++;
  }

  /** Counters: writes, batches, syncs, bytes and the batch-size histogram. */
  stats(): WalStats {
    return { ...this.counters, batchSizes: this.sizes.map((n) => n ?? 0), segments: this.segments.length };
  }

  /** The position of the log as of the last acknowledged write. */
  get durablePosition(): LogPosition {
    return this.durable;
  }

  /** Why the log stopped accepting writes, if it did. */
  get failure(): StorageError | undefined {
    return this.failed;
  }

  /**
   * Waits for the writes in flight (a background snapshot's too: its file, marker and compaction), then closes
   * the segment. Later writes are refused with `closed`.
   */
  async close(): Promise<void> {
    while (this.flushing !== undefined || this.snapshotJob !== undefined) await (this.snapshotJob?.done ?? this.flushing);
    if (this.failed?.code === "closed") return;
    this.failed ??= new StorageError("closed", "the log is closed");
    const next = this.preparing;
    this.preparing = undefined;
    // The prepared next segment is not kept: a restart removes every temp file (it cannot tell a finished one).
    if (next !== undefined && (await next.done) === undefined) await this.o.fs.unlink(this.path(segmentName(next.seq) + TMP_SUFFIX)).catch(() => undefined);
    await this.handle.close().catch(() => undefined);
  }
}
