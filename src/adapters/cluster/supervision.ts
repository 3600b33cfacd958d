/**
 * Children that do not outlive their supervisor: `quorate cluster`, `quorate torture` and the benches start their
 * nodes with {@link supervisedEnv}, and every quorate process calls {@link exitWithParent} on start, so killing the
 * supervisor by PID (even `kill -9`, which it cannot catch) stops its nodes too.
 * @module
 */
/**
 * The environment variable a supervising quorate process (`cluster`, `torture`, the benches) sets to its own PID
 * in the environment of every child it spawns: the child exits when that parent goes away.
 */
export const PARENT_PID_ENV = "QUORATE_PARENT_PID";

/** The environment of a child process that must not outlive this one (see {@link exitWithParent}). */
export function supervisedEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string | undefined> {
  return { ...process.env, ...extra, [PARENT_PID_ENV]: String(process.pid) };
}

/** What {@link exitWithParent} needs from the process (a fake in tests). */
export interface ParentWatch {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The current parent PID (it changes when the parent dies and the process is reparented). */
  ppid(): number;
  /** The parent is gone: stop as on Ctrl-C. */
  gone(): void;
  /** Polling period in milliseconds. */
  readonly everyMs: number;
}

const processWatch: ParentWatch = {
  env: process.env,
  ppid: () => process.ppid,
  gone: () => {
    // Stop through the command's own SIGTERM handling (a clean stop); exit anyway if that does not end it.
    setTimeout(() => process.exit(1), 10_000).unref();
    process.kill(process.pid, "SIGTERM");
  },
  everyMs: 200,
};

/**
 * If {@link PARENT_PID_ENV} names this process's parent, polls the parent PID and calls `gone` once it changed
 * (the parent died, even by `kill -9`, and this process was reparented), so that killing a `quorate cluster` or
 * `quorate torture` by PID does not orphan its nodes. Polling, because Node has no parent-death signal
 * (prctl PR_SET_PDEATHSIG). Returns the function that stops watching, or undefined when not watching.
 */
export function exitWithParent(w: ParentWatch = processWatch): (() => void) | undefined {
  const text = w.env[PARENT_PID_ENV];
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const parent = Number(text);
  // Already reparented before we looked (or started by someone else): watch nothing rather than exit at once.
  if (w.ppid() !== parent) return undefined;
  const timer = setInterval(() => {
    if (w.ppid() === parent) return;
    clearInterval(timer);
    w.gone();
  }, w.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
