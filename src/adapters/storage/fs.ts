/**
 * The small file-system interface the write-ahead log is written against, and its real `node:fs` implementation.
 * Everything the log needs and nothing more, so a fault-injecting in-memory implementation (`mem-fs.ts`) and the
 * `lose-unsynced` wrapper (`lose-unsynced.ts`) stay small.
 * @module
 */
import { constants } from "node:fs";
import * as fsp from "node:fs/promises";
import { join } from "node:path";

/** An open file, written only at its end. */
export interface AppendHandle {
  /**
   * Appends `data` at the end of the file (the whole buffer, or an error). An implementation may hold the bytes
   * until the next {@link AppendHandle.datasync} (its write errors then surface there).
   */
  append(data: Uint8Array): Promise<void>;
  /** `fdatasync`: the file's data (and its size) are durable when this resolves. */
  datasync(): Promise<void>;
  /** Closes the handle (does not sync). */
  close(): Promise<void>;
}

/** The operations the storage adapter performs on a directory of files. Paths are `dir` + `/` + `name`. */
export interface FileSystem {
  /** Creates `dir` (and its parents) if missing. */
  mkdirp(dir: string): Promise<void>;
  /** Names of the entries of `dir` (not paths). */
  list(dir: string): Promise<string[]>;
  /** The whole content of a file. */
  readFile(path: string): Promise<Uint8Array>;
  /** Opens a file for appending; `create` makes it empty first (creating it if missing). */
  openAppend(path: string, create: boolean): Promise<AppendHandle>;
  /** Atomically replaces `to` by `from` (durable only after {@link FileSystem.syncDir}). */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file (durable only after {@link FileSystem.syncDir}). */
  unlink(path: string): Promise<void>;
  /** Cuts a file to `length` bytes and makes that durable. */
  truncate(path: string, length: number): Promise<void>;
  /** `fsync` on the directory: creations, renames and removals in it are durable when this resolves. */
  syncDir(dir: string): Promise<void>;
}

/** Joins a directory and a file name. */
export const pathOf = (dir: string, name: string): string => join(dir, name);

/**
 * A real file opened with `O_DSYNC`, whose appends are written at the next {@link AppendHandle.datasync}: the
 * write is then the sync, one system call and one thread-pool job instead of a write job and an fdatasync job
 * (each job's completion wakes the main thread: on a busy machine every wake-up is a wait for a core). What was
 * appended and not synced is lost by a crash either way; only a reader of the file could tell, and the log
 * never reads a file it appends to.
 */
class NodeAppendHandle implements AppendHandle {
  private pending: Uint8Array[] = [];

  constructor(private readonly fh: fsp.FileHandle) {}

  async append(data: Uint8Array): Promise<void> {
    this.pending.push(data);
  }

  async datasync(): Promise<void> {
    // Nothing appended since the last sync: what an O_DSYNC write wrote is durable already.
    if (this.pending.length === 0) return;
    await this.write();
  }

  async close(): Promise<void> {
    try {
      await this.write();
    } finally {
      await this.fh.close();
    }
  }

  private async write(): Promise<void> {
    const chunks = this.pending;
    this.pending = [];
    const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done);
      done += bytesWritten;
    }
  }
}

/** The real file system through `node:fs/promises`. */
export function nodeFileSystem(): FileSystem {
  return {
    async mkdirp(dir) {
      await fsp.mkdir(dir, { recursive: true });
    },
    list: (dir) => fsp.readdir(dir),
    async readFile(path) {
      return new Uint8Array(await fsp.readFile(path));
    },
    async openAppend(path, create) {
      // O_APPEND: every write lands at the end whatever the position, as the log's format assumes. O_DSYNC:
      // a write returns once its data (and the file size) are durable, as after an fdatasync.
      const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_DSYNC | (create ? constants.O_CREAT | constants.O_TRUNC : 0);
      return new NodeAppendHandle(await fsp.open(path, flags, 0o644));
    },
    rename: (from, to) => fsp.rename(from, to),
    unlink: (path) => fsp.unlink(path),
    async truncate(path, length) {
      const fh = await fsp.open(path, "r+");
      try {
        await fh.truncate(length);
        await fh.sync();
      } finally {
        await fh.close();
      }
    },
    async syncDir(dir) {
      const fh = await fsp.open(dir, "r");
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    },
  };
}
