/**
 * The one shape of a {@link FileSystem} wrapper (lose-unsynced, slow-sync): every method forwards to the inner
 * file system, bound to it, except the ones the wrapper replaces.
 * @module
 */
import type { FileSystem } from "./fs.js";

/**
 * A file system that forwards to `inner`, with `overrides` in place of some methods. Methods are bound
 * explicitly because `inner` may be a class instance, whose methods a spread does not copy.
 */
export function wrapFileSystem(inner: FileSystem, overrides: Partial<FileSystem>): FileSystem {
  return {
    ...inner,
    mkdirp: (d) => inner.mkdirp(d),
    list: (d) => inner.list(d),
    readFile: (p) => inner.readFile(p),
    openAppend: (p, create) => inner.openAppend(p, create),
    rename: (a, b) => inner.rename(a, b),
    unlink: (p) => inner.unlink(p),
    truncate: (p, n) => inner.truncate(p, n),
    syncDir: (d) => inner.syncDir(d),
    ...overrides,
  };
}
