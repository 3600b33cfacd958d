/**
 * Typed errors of the metadata subsystem. Every failure carries a stable `code` so callers can branch on it, and a
 * message that says what to do. Nothing throws anything else out of this module.
 */

/** Stable codes of {@link MetadataError}. */
export type MetadataErrorCode =
  /** A record failed validation (wrong field type, out-of-range id, duplicate replica, ...). */
  | "INVALID_RECORD"
  /** Bytes given to a record/batch decoder are truncated, have an unknown type tag or trailing garbage. */
  | "MALFORMED_RECORD"
  /** Bytes given to the snapshot decoder are not a well-formed metadata snapshot. */
  | "MALFORMED_SNAPSHOT"
  /** A well-formed record contradicts the image it is replayed on (unknown topic, stale broker epoch, ...). */
  | "REPLAY_CONFLICT"
  /** Records were delivered at an offset at or below one already applied. */
  | "OFFSET_REGRESSION"
  /** A configuration value is out of range. */
  | "INVALID_CONFIG"
  /** An input is not acceptable in the current role (e.g. loading a snapshot while active). */
  | "INVALID_INPUT";

/** The one exception type of `src/core/metadata`: a {@link MetadataErrorCode} plus an actionable message. */
export class MetadataError extends Error {
  /** Stable machine-readable code. */
  readonly code: MetadataErrorCode;
  /**
   * @param code - stable error code
   * @param message - what went wrong and what to do about it
   */
  constructor(code: MetadataErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = "MetadataError";
    this.code = code;
  }
}
