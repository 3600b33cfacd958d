/**
 * Durable storage for the KRaft core: maps its `persist` outputs onto the write-ahead log and back. KRaft's
 * vocabulary: offset o is generic index o + 1 (so a snapshot's end offset is its generic index), the epoch is the
 * generic term, the hard-state file is Kafka's quorum-state, and a snapshot drops only the records below it.
 * @module
 */
import { readKeys, readQuorumState, readRecordBody, writeKeys, writeQuorumState, writeRecordBody } from "../codec/kraft.js";
import type { Entry, Output, PersistedState, QuorumStateRecord, Snapshot } from "../../core/kraft/types.js";
import { CoreStorage, decodePayload, encodePayload, openCoreLog, type CoreStorageOptions } from "./core-storage.js";
import type { RecoveredLog } from "./recovery.js";
import type { WalOp, WriteAheadLog } from "./wal.js";

/** Options of {@link KRaftStorage.open}: the log's, without the vocabulary, plus the owner's identity. */
export type KRaftStorageOptions = CoreStorageOptions;

/** KRaft's persist output. */
export type KRaftPersist = Extract<Output, { type: "persist" }>;

/** The acknowledgement to feed back to the core. */
export interface KRaftPersisted {
  readonly type: "persisted";
  readonly endOffset: number;
  readonly epoch: number;
}

const VOCABULARY = "kraft";

/** Maps recovered generic content to the KRaft core's `PersistedState` (undefined: a fresh replica). */
export function toKRaftPersistedState(r: RecoveredLog): PersistedState | undefined {
  if (r.state === undefined && r.snapshot === undefined && r.entries.length === 0) return undefined;
  const epoch = r.state?.term ?? 0;
  const quorumState: QuorumStateRecord =
    r.state === undefined ? { epoch: 0, leaderId: -1, votedId: -1, votedDirectoryId: "" } : decodePayload(r.state.payload, (x) => readQuorumState(x, epoch), "the quorum state");
  const entries: Entry[] = r.entries.map((e) => decodePayload(e.payload, (x) => readRecordBody(x, e.index - 1, e.term), `record ${e.index - 1}`));
  if (r.snapshot === undefined) return { quorumState, entries };
  const s = r.snapshot;
  const snapshot: Snapshot = decodePayload(s.payload, (x) => {
    const voters = readKeys(x);
    const data = x.buf.slice(x.pos);
    x.pos = x.buf.length;
    return { id: { endOffset: s.index, epoch: s.term }, voters, data };
  }, `snapshot ${s.index}`);
  return { quorumState, snapshot, entries };
}

/** Durable storage of one KRaft replica. */
export class KRaftStorage extends CoreStorage {
  private constructor(wal: WriteAheadLog) {
    super(wal);
  }

  /** Opens (recovering) the storage in `options.dir`; `persisted` is what to give `createKRaft`. */
  static async open(options: KRaftStorageOptions): Promise<{ storage: KRaftStorage; persisted: PersistedState | undefined }> {
    const { wal, persisted } = await openCoreLog(options, VOCABULARY, toKRaftPersistedState);
    return { storage: new KRaftStorage(wal), persisted };
  }

  /** The log operations of one persist output, in the contract's order (quorum state, truncation, records, snapshot). */
  toOps(o: KRaftPersist): WalOp[] {
    const ops: WalOp[] = [];
    const q = o.quorumState;
    if (q !== undefined) ops.push({ type: "state", term: q.epoch, payload: encodePayload((w) => writeQuorumState(w, q)) });
    if (o.truncateTo !== undefined) ops.push({ type: "truncate", from: o.truncateTo + 1 });
    if (o.entries !== undefined && o.entries.length > 0) {
      ops.push({ type: "entries", entries: o.entries.map((e) => ({ index: e.offset + 1, term: e.epoch, payload: encodePayload((w) => writeRecordBody(w, e)) })) });
    }
    if (o.snapshot !== undefined) {
      const s = o.snapshot;
      // The voters, then the data as it is (written after them, never copied behind them).
      ops.push({ type: "snapshot", index: s.id.endOffset, term: s.id.epoch, retention: "after", payload: [encodePayload((w) => writeKeys(w, s.voters)), s.data] });
    }
    return ops;
  }

  /** Makes a persist output durable; resolves after its fdatasync with the `persisted` input for the core. */
  async persist(o: KRaftPersist): Promise<KRaftPersisted> {
    const pos = await this.wal.append(this.toOps(o));
    return { type: "persisted", endOffset: pos.lastIndex, epoch: pos.lastTerm };
  }
}
