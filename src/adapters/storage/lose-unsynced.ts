/**
 * The `lose-unsynced` mode: a {@link FileSystem} wrapper that keeps appended bytes in process memory until
 * fdatasync, like LazyFS. `kill -9` of a process using it loses exactly what a power failure would lose: what
 * was written but not synced. Everything else passes through.
 * @module
 */
import type { AppendHandle, FileSystem } from "./fs.js";

/** Wraps `inner` so that unsynced appends live only in this process until their fdatasync. */
export function loseUnsynced(inner: FileSystem): FileSystem {
  return {
    ...inner,
    mkdirp: (d) => inner.mkdirp(d),
    list: (d) => inner.list(d),
    readFile: (p) => inner.readFile(p),
    rename: (a, b) => inner.rename(a, b),
    unlink: (p) => inner.unlink(p),
    truncate: (p, n) => inner.truncate(p, n),
    syncDir: (d) => inner.syncDir(d),
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
  };
}
