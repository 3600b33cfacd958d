/**
 * What the per-core storages (raft-storage.ts, kraft-storage.ts) share: the write-ahead log opened under a core's
 * vocabulary and owner identity with its recovered content mapped to that core's persisted state, payloads encoded
 * with the byte codec (a payload that does not decode is a corrupt record), and the log's stats and close.
 * @module
 */
import { ByteReader, ByteWriter, decodeWith } from "../codec/bytes.js";
import { StorageError } from "./errors.js";
import type { RecoveredLog } from "./recovery.js";
import { WriteAheadLog, type WalOptions, type WalStats } from "./wal.js";

/** Options of a core's storage: the log's, without the vocabulary, plus the owner's identity. */
export type CoreStorageOptions = Omit<WalOptions, "vocabulary"> & {
  /**
   * Who owns the directory, e.g. `<cluster id>/<node id>`: recorded in every file, and a directory written under
   * another identity (another cluster's, another node's) refuses to open with `wrong-format`.
   */
  readonly identity?: string;
};

/**
 * A record payload written by `write`. `capacity` is the expected size in bytes: a payload that carries a blob
 * is then written into one buffer instead of one that doubles and copies its way up. (A snapshot's data is not
 * copied at all: its payload goes to the log in parts, the encoded prefix and then the data.)
 */
export function encodePayload(write: (w: ByteWriter) => void, capacity = 64): Uint8Array {
  const w = new ByteWriter(capacity);
  write(w);
  // The buffer is this call's alone: a view of the exact size needs no copy when the estimate was right.
  return w.length === capacity ? w.view() : w.finish();
}

/** A record payload read by `read`; one that does not decode throws `corrupt-record` naming `what`. */
export function decodePayload<T>(bytes: Uint8Array, read: (r: ByteReader) => T, what: string): T {
  const d = decodeWith(bytes, read);
  if (!d.ok) throw new StorageError("corrupt-record", `${what} does not decode: ${d.error.message}`);
  return d.value;
}

/**
 * Opens (recovering) the log in `options.dir` under `vocabulary` (qualified by the identity) and maps what it
 * recovered with `toPersisted`; if that mapping throws, the log is closed before the error propagates.
 */
export async function openCoreLog<P>(options: CoreStorageOptions, vocabulary: string, toPersisted: (r: RecoveredLog) => P): Promise<{ wal: WriteAheadLog; persisted: P }> {
  const qualified = options.identity === undefined ? vocabulary : `${vocabulary}:${options.identity}`;
  const { wal, recovered } = await WriteAheadLog.open({ ...options, vocabulary: qualified });
  try {
    return { wal, persisted: toPersisted(recovered) };
  } catch (e) {
    await wal.close();
    throw e;
  }
}

/** The part of a core's storage that is only its log: counters and closing. */
export abstract class CoreStorage {
  protected constructor(
    /** The underlying log. */
    readonly wal: WriteAheadLog,
  ) {}

  /** The log's counters (batches, syncs, batch sizes). */
  stats(): WalStats {
    return this.wal.stats();
  }

  /** Waits for writes in flight and closes. */
  close(): Promise<void> {
    return this.wal.close();
  }
}
