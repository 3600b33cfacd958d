/**
 * The `lose-unsynced` mode: a {@link FileSystem} wrapper that keeps appended bytes in process memory until
 * fdatasync, like LazyFS. `kill -9` of a process using it loses exactly what a power failure would lose: what
 * was written but not synced. Everything else passes through.
 * @module
 */
import type { AppendHandle, FileSystem } from "./fs.js";
import { wrapHandles } from "./wrap-fs.js";

/** Options of {@link loseUnsynced}. */
export interface LoseUnsyncedOptions {
  /**
   * A slow or stalled disk: what each fdatasync waits for after it took its bytes (exactly those appended before
   * it was called) and before they reach the OS. Bytes appended meanwhile wait for the next sync. (A slow-sync
   * wrapper around this one would let them slip into the current sync and shrink what `kill -9` loses.)
   */
  readonly beforeSync?: () => Promise<void>;
}

/** Wraps `inner` so that unsynced appends live only in this process until their fdatasync. */
export function loseUnsynced(inner: FileSystem, options: LoseUnsyncedOptions = {}): FileSystem {
  const before = options.beforeSync;
  return wrapHandles(inner, (h): AppendHandle => {
      let pending: Uint8Array[] = [];
      // Syncs run one after the other, so bytes reach the OS in the order they were appended.
      let syncs: Promise<void> = Promise.resolve();
      return {
        async append(data) {
          pending.push(data.slice());
        },
        datasync() {
          const chunks = pending;
          pending = [];
          const sync = syncs.then(async () => {
            await before?.();
            for (const c of chunks) await h.append(c);
            await h.datasync();
          });
          syncs = sync.catch(() => undefined);
          return sync;
        },
        close: () => h.close(),
      };
  });
}
