/**
 * The small file-system interface the write-ahead log is written against, and its real `node:fs` implementation.
 * Everything the log needs and nothing more, so a fault-injecting in-memory implementation (`mem-fs.ts`) and the
 * `lose-unsynced` wrapper (`lose-unsynced.ts`) stay small.
 * @module
 */
import { constants } from "node:fs";
import * as fsp from "node:fs/promises";
import { join } from "node:path";
import { zeroFill } from "./zero-fill.js";

/** An open file, written sequentially from a position (its end, or an offset given at open). */
export interface AppendHandle {
  /**
   * Writes `data` at the handle's position and advances it (the whole buffer, or an error). An implementation may
   * hold the bytes until the next {@link AppendHandle.datasync} (its write errors then surface there).
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
  /** Opens a file for appending at its end; `create` makes it empty first (creating it if missing). */
  openAppend(path: string, create: boolean): Promise<AppendHandle>;
  /**
   * Opens an existing file for writing from byte `offset` on, over what is there (a preallocated segment's zeros):
   * the file does not grow while the writes stay inside it, so an fdatasync need not commit a size change.
   */
  openAt(path: string, offset: number): Promise<AppendHandle>;
  /**
   * Creates (or empties) `path` as `bytes` zero bytes, written (not sparse: a write into a hole allocates blocks,
   * a metadata change an fdatasync must commit) and synced. Its name is durable only after a rename and
   * {@link FileSystem.syncDir}.
   */
  allocate(path: string, bytes: number): Promise<void>;
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

  constructor(
    private readonly fh: fsp.FileHandle,
    private position: number,
  ) {}

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
    // Positional writevs of the chunks, 1 MiB at most each (one system call and one sync for a log batch), and
    // the chunks are not concatenated (a snapshot file's payload is written as it is).
    let chunks = this.pending;
    this.pending = [];
    while (chunks.length > 0) {
      const { bytesWritten } = await this.fh.writev(upTo(chunks, WRITE_SLICE_BYTES), this.position);
      this.position += bytesWritten;
      chunks = unwritten(chunks, bytesWritten);
    }
  }
}

/** Bytes per O_DSYNC write: see {@link upTo}. */
const WRITE_SLICE_BYTES = 1 << 20;

/**
 * The first `limit` bytes of `chunks` (views, no copy). A large file (a 63 MB snapshot) is written 1 MiB per
 * O_DSYNC write: in one write, it held the log's own O_DSYNC writes behind it for its whole flush (the
 * snapshot's write took 300–715 ms in the server and the writes around it slowed to a fifth; in 1 MiB writes,
 * 69–111 ms).
 */
function upTo(chunks: readonly Uint8Array[], limit: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const c of chunks) {
    if (limit <= 0) break;
    out.push(c.length <= limit ? c : c.subarray(0, limit));
    limit -= c.length;
  }
  return out;
}

/**
 * What remains of `chunks` after a (possibly partial) write of their first `written` bytes: the chunks not
 * reached, the first of them cut to its unwritten rest (a view, no copy). Chunks wholly written, empty ones
 * included, are dropped.
 */
export function unwritten(chunks: readonly Uint8Array[], written: number): Uint8Array[] {
  let k = 0;
  while (k < chunks.length && written >= chunks[k]!.length) written -= chunks[k++]!.length;
  const rest = chunks.slice(k);
  if (rest.length > 0) rest[0] = rest[0]!.subarray(written);
  return rest;
}

/**
 * Bytes of zeros written per call by {@link FileSystem.allocate}: one page. The page cache sizes a file's folios
 * by the writes that create them (Linux 6.x, ext4 with large folios), and writeback writes a dirty folio whole:
 * after a zero-fill in 1 MiB writes, every 230-byte `O_DSYNC` append wrote 1–2 MiB to the disk (3 MiB per put on
 * a 3-node cluster, from `/proc/<pid>/io`); after one in page-sized writes, 4 KiB. The fill costs more system
 * calls (150 ms for 16 MiB instead of 6, on a worker thread: `zero-fill.ts`).
 */
const ZERO_CHUNK = 4096;

/**
 * Opens for positional writes with `O_DSYNC`: a write returns once its data (and the file size, if it grew) are
 * durable, as after an fdatasync.
 */
function openDsync(path: string, create: boolean): Promise<fsp.FileHandle> {
  const flags = constants.O_WRONLY | constants.O_DSYNC | (create ? constants.O_CREAT | constants.O_TRUNC : 0);
  return fsp.open(path, flags, 0o644);
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
      const fh = await openDsync(path, create);
      return new NodeAppendHandle(fh, create ? 0 : (await fh.stat()).size);
    },
    async openAt(path, offset) {
      return new NodeAppendHandle(await openDsync(path, false), offset);
    },
    allocate: (path, bytes) => zeroFill(path, bytes, ZERO_CHUNK),
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
