/**
 * Waiting for the stop signal of a long-running command (`node`, `cluster`, `zk-server`).
 * @module
 */

/** The part of `process` that {@link untilStopSignal} listens on (a fake emitter in tests). */
export interface SignalSource {
  on(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
  off(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
}

/**
 * Resolves at the first SIGINT or SIGTERM, then stops listening, so the command can shut down and return its
 * exit code (a second signal then gets Node's default handling).
 */
export function untilStopSignal(source: SignalSource = process): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      source.off("SIGINT", stop);
      source.off("SIGTERM", stop);
      resolve();
    };
    source.on("SIGINT", stop);
    source.on("SIGTERM", stop);
  });
}
