/**
 * The `lose-unsynced` mode: a {@link FileSystem} wrapper that keeps appended bytes in process memory until
 * fdatasync, like LazyFS. `kill -9` of a process using it loses exactly what a power failure would lose: what
 * was written but not synced. Everything else passes through.
 * @module
 */
import type { AppendHandle, FileSystem } from "./fs.js";
import { wrapFileSystem } from "./wrap-fs.js";

/** Wraps `inner` so that unsynced appends live only in this process until their fdatasync. */
export function loseUnsynced(inner: FileSystem): FileSystem {
  return wrapFileSystem(inner, {
    async openAppend(path, create): Promise<AppendHandle> {
      const h = await inner.openAppend(path, create);
      let pending: Uint8Array[] = [];
      return {
        async append(data) {
          pending.push(data.slice());
        },
        async datasync() {
          const chunks = pending;
          pending = [];
          for (const c of chunks) await h.append(c);
          await h.datasync();
        },
        close: () => h.close(),
      };
    },
  });
}
