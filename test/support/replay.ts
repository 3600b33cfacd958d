/**
 * Runs a seeded property and, when it fails, appends the command that replays it (`replay: ENV=seed npx vitest
 * run FILE`) to the error, so every seeded failure says how to reproduce it.
 */
export function withReplay(replay: string, property: () => void): void {
  try {
    property();
  } catch (error) {
    throw new Error(`${(error as Error).message}\nreplay: ${replay}`);
  }
}
