/** Codes of {@link RaftError}. */
export type RaftErrorCode = "invalid-config" | "invalid-persisted-state" | "invariant-violated" | "malformed-input";

/**
 * The one exception type of the Raft core. Thrown only for programming errors of the caller (a bad config,
 * inconsistent persisted state, a malformed input object) or a broken invariant; refusals of well-formed
 * inputs are `rejected` outputs instead.
 */
export class RaftError extends Error {
  /** Machine-readable reason. */
  readonly code: RaftErrorCode;
  constructor(code: RaftErrorCode, message: string) {
    super(message);
    this.name = "RaftError";
    this.code = code;
  }
}
