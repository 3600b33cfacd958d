/** Codes of {@link RaftError}. */
export type RaftErrorCode = "invalid-config" | "invalid-persisted-state" | "invariant-violated";

/**
 * The one exception type of the Raft core, thrown only by `createRaft` (a bad config, inconsistent persisted
 * state) and `assertInvariants` (a broken invariant). `step` never throws on bad input: it answers with a
 * typed `rejected` output instead.
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
