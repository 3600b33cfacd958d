/**
 * The one shape of a {@link FileSystem} wrapper (lose-unsynced, slow-sync): every method forwards to the inner
 * file system, bound to it, except the ones the wrapper replaces.
 * @module
 */
import type { AppendHandle, FileSystem } from "./fs.js";

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
    openAt: (p, offset) => inner.openAt(p, offset),
    allocate: (p, n) => inner.allocate(p, n),
    rename: (a, b) => inner.rename(a, b),
    unlink: (p) => inner.unlink(p),
    truncate: (p, n) => inner.truncate(p, n),
    syncDir: (d) => inner.syncDir(d),
    ...overrides,
  };
}

/**
 * A file system that forwards to `inner` and passes every handle it opens (by {@link FileSystem.openAppend} or
 * {@link FileSystem.openAt}) through `wrap`: the one way a wrapper changes how files are written.
 */
export function wrapHandles(inner: FileSystem, wrap: (handle: AppendHandle, path: string) => AppendHandle, overrides: Partial<FileSystem> = {}): FileSystem {
  return wrapFileSystem(inner, {
    openAppend: async (p, create) => wrap(await inner.openAppend(p, create), p),
    openAt: async (p, offset) => wrap(await inner.openAt(p, offset), p),
    ...overrides,
  });
}
