/**
 * Durable storage for the Raft core: maps its `persist` outputs onto the write-ahead log and back, and its
 * recovered content onto `PersistedState`. Raft's vocabulary: generic index and term are Raft's; the hard-state
 * file holds term and vote, the commit index travels in the log; a snapshot keeps the entries after it only if
 * the log agrees at the snapshot (§7).
 * @module
 */
import { entryBodyParts, readConfig, readEntryBody, writeConfig } from "../codec/raft.js";
import type { Entry, HardState, Input, PersistOutput, PersistedState, Snapshot } from "../../core/raft/types.js";
import { CoreStorage, decodePayload, encodePayload, openCoreLog, type CoreStorageOptions } from "./core-storage.js";
import type { RecoveredLog } from "./recovery.js";
import type { WalOp, WriteAheadLog } from "./wal.js";

/** Options of {@link RaftStorage.open}: the log's, without the vocabulary, plus the owner's identity. */
export type RaftStorageOptions = CoreStorageOptions;

/** The storage acknowledgements a persist turns into, to feed back to the core in order. */
export type RaftDurableInput = Extract<Input, { type: "persisted" } | { type: "snapshot-persisted" }>;

const VOCABULARY = "raft";

/** Maps recovered generic content to the Raft core's `PersistedState` (undefined: a fresh node). */
export function toPersistedState(r: RecoveredLog): PersistedState | undefined {
  if (r.state === undefined && r.snapshot === undefined && r.entries.length === 0 && r.commit === 0) return undefined;
  const hardState: HardState = {
    term: r.state?.term ?? 0,
    vote: r.state === undefined ? 0 : decodePayload(r.state.payload, (x) => x.varUint(), "the hard state"),
    commit: r.commit,
  };
  const entries: Entry[] = r.entries.map((e) => decodePayload(e.payload, (x) => readEntryBody(x, e.index, e.term), `entry ${e.index}`));
  if (r.snapshot === undefined) return { hardState, entries };
  const s = r.snapshot;
  const snapshot: Snapshot = decodePayload(s.payload, (x) => {
    const config = readConfig(x);
    const data = x.buf.slice(x.pos);
    x.pos = x.buf.length;
    return { index: s.index, term: s.term, config, data };
  }, `snapshot ${s.index}`);
  return { hardState, snapshot, entries };
}

/** Durable storage of one Raft node. */
export class RaftStorage extends CoreStorage {
  private term = 0;
  private vote = 0;
  /** The commit index last written to the log. */
  private commit = 0;
  /** The highest commit index a persist carried: written with the next write that goes to the log. */
  private knownCommit = 0;

  private constructor(wal: WriteAheadLog, persisted: PersistedState | undefined) {
    super(wal);
    this.term = persisted?.hardState.term ?? 0;
    this.vote = persisted?.hardState.vote ?? 0;
    this.commit = persisted?.hardState.commit ?? 0;
    this.knownCommit = this.commit;
  }

  /**
   * Opens (recovering) the storage in `options.dir`; `persisted` is what to give `createRaft`. A local snapshot's
   * file is written in the background unless `backgroundSnapshots` is false: Raft rebuilds the same state from the
   * previous snapshot and the committed entries the log keeps until the new snapshot's marker is durable.
   */
  static async open(options: RaftStorageOptions): Promise<{ storage: RaftStorage; persisted: PersistedState | undefined }> {
    const { wal, persisted } = await openCoreLog({ backgroundSnapshots: true, ...options }, VOCABULARY, toPersistedState);
    return { storage: new RaftStorage(wal, persisted), persisted };
  }

  /** The log operations of one persist output, in the order the contract gives them. */
  toOps(o: PersistOutput): WalOp[] {
    const ops: WalOp[] = [];
    const hs = o.hardState;
    if (hs !== undefined && (hs.term !== this.term || hs.vote !== this.vote)) {
      ops.push({ type: "state", term: hs.term, payload: encodePayload((w) => w.varUint(hs.vote)) });
      this.term = hs.term;
      this.vote = hs.vote;
    }
    if (o.truncateFrom !== undefined) ops.push({ type: "truncate", from: o.truncateFrom });
    if (o.snapshot !== undefined) {
      const s = o.snapshot;
      // The configuration, then the data as it is (written after it, never copied behind it).
      ops.push({ type: "snapshot", index: s.index, term: s.term, retention: "matching", payload: [encodePayload((w) => writeConfig(w, s.config)), s.data] });
      if (s.index > this.commit) this.commit = s.index;
    }
    if (o.entries !== undefined && o.entries.length > 0) {
      ops.push({ type: "entries", entries: o.entries.map((e) => ({ index: e.index, term: e.term, payload: entryBodyParts(e) })) });
    }
    if (hs !== undefined && hs.commit > this.knownCommit) this.knownCommit = hs.commit;
    if (this.knownCommit > this.commit) {
      ops.push({ type: "commit", index: this.knownCommit });
      this.commit = this.knownCommit;
    }
    return ops;
  }

  /**
   * Whether `o` only raises the commit index. Such a persist is not written on its own: nothing vouches for it
   * (a restart re-learns the commit index from the leader), so it rides with the next write, as etcd's WAL
   * does not sync a hard state whose term and vote did not change (raft.MustSync).
   */
  private onlyCommit(o: PersistOutput): boolean {
    const hs = o.hardState;
    return hs !== undefined && hs.term === this.term && hs.vote === this.vote && o.truncateFrom === undefined && o.snapshot === undefined && (o.entries === undefined || o.entries.length === 0);
  }

  /**
   * Makes a persist output durable. Resolves, once its fdatasync returned, with the inputs to feed back to the
   * core: `snapshot-persisted` (if it held a snapshot), then `persisted` (last index and term of the log). A
   * persist that only raises the commit index resolves at once with no input: its commit index is written with
   * the next write.
   */
  async persist(o: PersistOutput): Promise<RaftDurableInput[]> {
    if (this.onlyCommit(o)) {
      if (o.hardState!.commit > this.knownCommit) this.knownCommit = o.hardState!.commit;
      return [];
    }
    const pos = await this.wal.append(this.toOps(o));
    const out: RaftDurableInput[] = [];
    if (o.snapshot !== undefined) out.push({ type: "snapshot-persisted", index: o.snapshot.index, term: o.snapshot.term });
    out.push({ type: "persisted", index: pos.lastIndex, term: pos.lastTerm });
    return out;
  }
}
