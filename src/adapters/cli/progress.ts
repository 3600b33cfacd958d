/**
 * Progress bars for long commands (simulate campaigns, export-vectors, check manifests, benches, and later
 * explore, torture, compare), on `cli-progress`, drawn on stderr with an ETA. A bar draws only on a terminal
 * and never with `--json`: otherwise {@link startProgress} returns a bar that does nothing, so callers never
 * test for either.
 *
 *   const bar = startProgress({ label: "seeds", total: seeds.length, quiet: json });
 *   try { for (…) { …; bar.advance(1, `${failing} failing`); } } finally { bar.stop(); }
 */
import { createRequire } from "node:module";
import type { SingleBar as SingleBarType } from "cli-progress";

/**
 * `cli-progress`'s bar, loaded when a bar first draws: with `--json` or without a terminal none does, and loading
 * the package costs ~10 ms of CPU at every start-up. CommonJS, so `require` loads it in place.
 */
function singleBar(): typeof SingleBarType {
  return (createRequire(import.meta.url)("cli-progress") as { SingleBar: typeof SingleBarType }).SingleBar;
}

/** The stream a bar draws on: stderr, or a fake terminal in tests. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(chunk: string): boolean;
}

/** What {@link startProgress} takes. */
export interface ProgressOptions {
  /** What is counted, shown before the bar and after the count: "seeds", "vectors", "histories". */
  readonly label: string;
  /** How many units make 100 %. */
  readonly total: number;
  /** True to draw nothing (the command was given `--json`). */
  readonly quiet?: boolean;
  /** Where to draw (default `process.stderr`); nothing is drawn unless it is a terminal. */
  readonly stream?: ProgressStream;
}

/** A running bar. Every method is safe to call on a quiet bar, and after `stop`. */
export interface Progress {
  /** True when the bar draws (a terminal, not quiet). */
  readonly drawing: boolean;
  /** Counts `units` more done (default 1); `status` replaces the short text after the ETA ("3 failing"). */
  advance(units?: number, status?: string): void;
  /** Changes the total when it turns out different from the estimate. */
  setTotal(total: number): void;
  /** Draws the final state and releases the line; call it in a `finally`. */
  stop(): void;
}

const QUIET: Progress = { drawing: false, advance() {}, setTotal() {}, stop() {} };

/** True when a bar with these options would draw. */
export function progressDraws(options: Pick<ProgressOptions, "quiet" | "stream">): boolean {
  return options.quiet !== true && (options.stream ?? process.stderr).isTTY === true;
}

/** Starts a bar at 0 of `total` (see the module comment for when it stays quiet). */
export function startProgress(options: ProgressOptions): Progress {
  if (!progressDraws(options)) return QUIET;
  const SingleBar = singleBar();
  const bar = new SingleBar({
    stream: (options.stream ?? process.stderr) as NodeJS.WritableStream,
    format: `${options.label} [{bar}] {value}/{total} {percentage}% | ETA {eta_formatted} | {duration_formatted}{status}`,
    barsize: 24,
    hideCursor: false,
    clearOnComplete: false,
    etaBuffer: 50,
    fps: 5,
  });
  let stopped = false;
  let done = 0;
  bar.start(Math.max(options.total, 0), 0, { status: "" });
  return {
    drawing: true,
    advance(units = 1, status) {
      if (stopped) return;
      done += units;
      bar.update(done, status === undefined ? {} : { status: ` | ${status}` });
    },
    setTotal(total) {
      if (!stopped) bar.setTotal(Math.max(total, 0));
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
