/**
 * The one exception type of the storage adapter. Every failure carries a stable `code`, and where it concerns a
 * file, the file and the byte offset, so an operator knows exactly what to look at.
 * @module
 */

/** Stable codes of {@link StorageError}. */
export type StorageErrorCode =
  /** A record before the torn tail fails its CRC or does not parse: acknowledged data is damaged. */
  | "corrupt-record"
  /** A segment of the log is missing (a gap in segment sequence numbers or in the indices they cover). */
  | "missing-segment"
  /** Terms (epochs) go backwards in the recovered log, or above the durable hard state's term. */
  | "term-regression"
  /** The hard-state file or a snapshot file is damaged or missing. */
  | "corrupt-file"
  /** The directory belongs to another record vocabulary (a Raft log opened as KRaft, or a newer format). */
  | "wrong-format"
  /** A write the log refuses before touching the disk (entries leaving a gap, a truncation into the snapshot). */
  | "invalid-write"
  /** The disk is full: the write failed and nothing after it is accepted. */
  | "no-space"
  /** A write or fsync failed: the log stops accepting writes (restart to recover what is durable). */
  | "io-failed"
  /** The log was closed, or failed earlier, and accepts no more writes. */
  | "closed";

/** A typed storage failure; `file` and `offset` name the damaged place when there is one. */
export class StorageError extends Error {
  override readonly name = "StorageError";
  /**
   * @param code - stable machine-readable reason
   * @param message - what went wrong, for humans
   * @param file - the file concerned, if any
   * @param offset - the byte offset in `file`, if known
   */
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    readonly file?: string,
    readonly offset?: number,
  ) {
    super(file === undefined ? message : `${file}${offset === undefined ? "" : ` at offset ${offset}`}: ${message}`);
  }
}
