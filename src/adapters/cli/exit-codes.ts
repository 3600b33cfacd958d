/**
 * The one exit-code convention of every `quorate` command (and of every command added later: explore, torture,
 * compare, node, zk-server, …). Commands return these constants, never bare numbers, and print
 * {@link EXIT_CODES_HELP} in their `--help`.
 */

/** What a command's exit status means. */
export const Exit = {
  /** Everything that was checked held (invariants, linearizability, expected verdicts, replays). */
  ok: 0,
  /** A violation was found: an invariant broke, a history is not linearizable, a verdict or replay mismatched. */
  violation: 1,
  /** Bad usage or bad input: unknown or inapplicable flags, unreadable or malformed files, unknown models. */
  badInput: 2,
  /** No verdict: a time or memory limit was reached before the question was answered. */
  unknown: 3,
} as const;

/** One of the {@link Exit} codes. */
export type ExitCode = (typeof Exit)[keyof typeof Exit];

/** The convention in words, for `--help` texts and docs/cli.md. */
export const EXIT_CODES_HELP = `exit codes: 0 all held, 1 a violation or not linearizable, 2 bad usage or bad input,
            3 unknown (a time or memory limit was reached); when several apply, the lowest non-zero one`;

/**
 * The exit code of work made of several parts (a manifest's files, a campaign's seeds): the lowest non-zero
 * code of the parts, so a found violation outranks bad input, which outranks an unknown verdict; 0 only when
 * every part is 0 — and never for no parts at all, which proved nothing.
 */
export function combineExitCodes(codes: Iterable<ExitCode>): ExitCode {
  let worst: ExitCode | undefined;
  let any = false;
  for (const code of codes) {
    any = true;
    if (code !== Exit.ok && (worst === undefined || code < worst)) worst = code;
  }
  if (!any) return Exit.badInput;
  return worst ?? Exit.ok;
}

/**
 * Bad usage or bad input, found by a command before or while doing its work: the message names the flag, or
 * the file, line and field. Commands print `quorate <command>: <message>` and exit {@link Exit.badInput}.
 */
export class UsageError extends Error {
  /** Stable code for programmatic handling. */
  readonly code = "USAGE";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
