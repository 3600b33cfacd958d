/** The one error every history parser throws. */

/** A history file that cannot be read: names the file, the 1-based line and the problem. */
export class HistoryParseError extends Error {
  readonly code = "HISTORY_PARSE";
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
    this.name = "HistoryParseError";
  }
}
