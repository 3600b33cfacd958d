/**
 * A fault-injecting in-memory {@link FileSystem} that models what survives a power failure: file data is durable
 * only up to its last fdatasync, and creations, renames and removals only once their directory is synced.
 * Every mutating call is a numbered fault point: a test crashes at point n (the call fails and nothing later
 * happens), runs out of space at point n, and then {@link MemoryFileSystem.afterCrash} gives the disk as a
 * restart would find it — unsynced data lost, or torn sector by sector (seeded).
 * @module
 */
import { Prng } from "../simulator/prng.js";
import type { AppendHandle, FileSystem } from "./fs.js";

/** Thrown by every call at and after the crash point. */
export class SimulatedCrash extends Error {
  override readonly name = "SimulatedCrash";
}

/** An `ENOSPC` error as `node:fs` reports it. */
export class NoSpaceError extends Error {
  readonly code = "ENOSPC";
}

/** What happens to data written but not synced when the power fails. */
export type TearMode =
  /** All of it is lost. */
  | "lose"
  /** A random prefix of it survives. */
  | "prefix"
  /** Each 512-byte sector of it independently survives, is lost (zeros) or is garbage, up to a random length. */
  | "sectors";

interface Inode {
  data: Uint8Array;
  durable: Uint8Array;
  /** Zero bytes allocated (and synced) by `allocate`: the file is at least this long, zeros past `data`. */
  allocated: number;
}

const SECTOR = 512;

/** Options of {@link MemoryFileSystem}. */
export interface MemoryFileSystemOptions {
  /** The fault point (1-based count of mutating calls) at which the machine crashes. */
  readonly crashAt?: number;
  /** The fault point at which an append fails with ENOSPC after writing half its bytes (or an allocate fails). */
  readonly noSpaceAt?: number;
}

/** The fault-injecting in-memory file system. */
export class MemoryFileSystem implements FileSystem {
  private names = new Map<string, Inode>();
  private durableNames = new Map<string, Inode>();
  private dirs = new Set<string>();
  /** Mutating calls so far (the fault-point counter). */
  points = 0;
  /** Whether the crash point was reached. */
  crashed = false;
  /** A log of fault points: `n kind path`, for a failing test to print. */
  readonly trace: string[] = [];

  /** @param options - where to crash or fail */
  constructor(private readonly options: MemoryFileSystemOptions = {}) {}

  private point(kind: string, path: string): void {
    if (this.crashed) throw new SimulatedCrash("the machine crashed");
    this.points++;
    this.trace.push(`${this.points} ${kind} ${path}`);
    if (this.options.crashAt !== undefined && this.points >= this.options.crashAt) {
      this.crashed = true;
      throw new SimulatedCrash(`crash at fault point ${this.points} (${kind} ${path})`);
    }
  }

  private inode(path: string): Inode {
    const n = this.names.get(path);
    if (n === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
    return n;
  }

  async mkdirp(dir: string): Promise<void> {
    this.dirs.add(dir);
  }
  async list(dir: string): Promise<string[]> {
    if (this.crashed) throw new SimulatedCrash("the machine crashed");
    const prefix = dir.endsWith("/") ? dir : `${dir}/`;
    return [...this.names.keys()].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes("/")).map((p) => p.slice(prefix.length));
  }
  async readFile(path: string): Promise<Uint8Array> {
    if (this.crashed) throw new SimulatedCrash("the machine crashed");
    return padded(this.inode(path).data, this.inode(path).allocated);
  }
  async openAppend(path: string, create: boolean): Promise<AppendHandle> {
    if (create) {
      this.point("create", path);
      this.emptyFile(path, 0);
    }
    const node = this.inode(path);
    return this.writer(path, node, Math.max(node.data.length, node.allocated));
  }
  async openAt(path: string, offset: number): Promise<AppendHandle> {
    return this.writer(path, this.inode(path), offset);
  }
  async allocate(path: string, bytes: number): Promise<void> {
    this.point("allocate", path);
    const node = this.emptyFile(path, 0);
    node.durable = new Uint8Array(0);
    if (this.options.noSpaceAt === this.points) {
      node.allocated = bytes >> 1;
      throw new NoSpaceError(`ENOSPC: no space left on device, allocate ${path}`);
    }
    node.allocated = bytes;
  }

  private emptyFile(path: string, allocated: number): Inode {
    const existing = this.names.get(path);
    if (existing !== undefined) {
      existing.data = new Uint8Array(0);
      existing.allocated = allocated;
      return existing;
    }
    const node = { data: new Uint8Array(0), durable: new Uint8Array(0), allocated };
    this.names.set(path, node);
    return node;
  }

  private writer(path: string, node: Inode, start: number): AppendHandle {
    let position = start;
    return {
      append: async (bytes) => {
        this.point("append", path);
        const n = this.options.noSpaceAt === this.points ? bytes.length >> 1 : bytes.length;
        node.data = writeAt(node.data, position, bytes.subarray(0, n));
        position += n;
        if (n < bytes.length) throw new NoSpaceError(`ENOSPC: no space left on device, write ${path}`);
      },
      datasync: async () => {
        this.point("fdatasync", path);
        node.durable = node.data.slice();
      },
      close: async () => undefined,
    };
  }
  async rename(from: string, to: string): Promise<void> {
    this.point("rename", `${from} ${to}`);
    this.names.set(to, this.inode(from));
    this.names.delete(from);
  }
  async unlink(path: string): Promise<void> {
    this.point("unlink", path);
    this.inode(path);
    this.names.delete(path);
  }
  async truncate(path: string, length: number): Promise<void> {
    this.point("truncate", path);
    const n = this.inode(path);
    n.data = n.data.slice(0, length);
    n.durable = n.data.slice();
    n.allocated = Math.min(n.allocated, length);
  }
  async syncDir(dir: string): Promise<void> {
    this.point("fsync-dir", dir);
    const prefix = dir.endsWith("/") ? dir : `${dir}/`;
    for (const p of [...this.durableNames.keys()]) if (p.startsWith(prefix)) this.durableNames.delete(p);
    for (const [p, n] of this.names) if (p.startsWith(prefix)) this.durableNames.set(p, n);
  }

  /** The power fails now: every later call fails with {@link SimulatedCrash}. */
  crashNow(): void {
    this.crashed = true;
  }

  /** Replaces this disk's content by `other`'s (durably), e.g. to give a restarted disk a new crash point. */
  restoreFrom(other: MemoryFileSystem): void {
    this.names = new Map();
    this.durableNames = new Map();
    for (const [p, n] of other.names) {
      const c = { data: n.data.slice(), durable: n.durable.slice(), allocated: n.allocated };
      this.names.set(p, c);
      this.durableNames.set(p, c);
    }
    this.dirs = new Set(other.dirs);
  }

  /** The bytes of a file as the process sees them (undefined if absent). */
  peek(path: string): Uint8Array | undefined {
    const n = this.names.get(path);
    return n === undefined ? undefined : padded(n.data, n.allocated);
  }

  /** Overwrites bytes of a file, durably (a bit flip, a bad sector): for corruption tests. */
  corrupt(path: string, offset: number, mutate: (byte: number) => number): void {
    const n = this.inode(path);
    n.data = padded(n.data, Math.max(n.allocated, offset + 1));
    n.data[offset] = mutate(n.data[offset]!) & 0xff;
    n.durable = n.data.slice();
  }

  /** Removes a file durably (a lost segment): for corruption tests. */
  remove(path: string): void {
    this.names.delete(path);
    this.durableNames.delete(path);
  }

  /**
   * The disk as a restart after a power failure now would find it: only synced names, each file with its synced
   * data plus, per `mode`, what survives of the unsynced rest (seeded by `seed`). The result has no fault points.
   */
  afterCrash(mode: TearMode = "lose", seed = 1): MemoryFileSystem {
    const rng = new Prng(seed);
    const next = new MemoryFileSystem();
    next.dirs = new Set(this.dirs);
    const copies = new Map<Inode, Inode>();
    for (const [p, n] of this.durableNames) {
      let c = copies.get(n);
      if (c === undefined) {
        const data = torn(n, mode, rng);
        c = { data, durable: data.slice(), allocated: n.allocated };
        copies.set(n, c);
      }
      next.names.set(p, c);
      next.durableNames.set(p, c);
    }
    return next;
  }
}

/** `data` with `bytes` written at `offset` (zeros fill any gap): a new array, `data` is never changed. */
function writeAt(data: Uint8Array, offset: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.max(data.length, offset + bytes.length));
  out.set(data);
  out.set(bytes, offset);
  return out;
}

/** `data` followed by zeros up to `length` bytes (a copy). */
function padded(data: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(Math.max(data.length, length));
  out.set(data);
  return out;
}

/**
 * What survives of a file: its durable bytes, and per mode some of the unsynced ones — a prefix of the bytes
 * from the first one that differs from the durable content on (written over preallocated zeros or appended).
 */
function torn(n: Inode, mode: TearMode, rng: Prng): Uint8Array {
  const synced = n.durable;
  let d = 0;
  while (d < synced.length && d < n.data.length && synced[d] === n.data[d]) d++;
  if (mode === "lose" || d >= n.data.length) return synced.slice();
  const extra = n.data.subarray(d);
  const keep = rng.range(0, extra.length);
  const out = writeAt(synced, d, extra.subarray(0, keep));
  if (mode === "sectors") {
    for (let s = Math.floor(d / SECTOR) * SECTOR; s < d + keep; s += SECTOR) {
      const from = Math.max(s, d);
      const to = Math.min(s + SECTOR, d + keep);
      const fate = rng.int(3);
      for (let i = from; i < to; i++) out[i] = fate === 0 ? out[i]! : fate === 1 ? 0 : rng.int(256);
    }
  }
  return out;
}
