/**
 * The few Jute records the transcript recorder sends and reads (ZooKeeper 3.8's zookeeper.jute), big-endian.
 * Pure: bytes in, values out. Only what the recorder's step vocabulary needs; the product's own codec is separate.
 */

/** ZooKeeper's Stat, raw (absolute zxids, ms times, session ids). */
export interface RawStat {
  czxid: number;
  mzxid: number;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  pzxid: number;
}

/** An ACL entry. */
export interface RawAcl {
  perms: number;
  scheme: string;
  id: string;
}

/** Appends Jute primitives to a growing buffer. */
export class JuteWriter {
  private parts: Buffer[] = [];
  int(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  long(v: number | bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(v));
    this.parts.push(b);
    return this;
  }
  bool(v: boolean): this {
    this.parts.push(Buffer.from([v ? 1 : 0]));
    return this;
  }
  buffer(v: Uint8Array | null): this {
    if (v === null) return this.int(-1);
    this.int(v.length);
    this.parts.push(Buffer.from(v));
    return this;
  }
  raw(v: Buffer): this {
    this.parts.push(v);
    return this;
  }
  string(v: string): this {
    return this.buffer(Buffer.from(v, "utf8"));
  }
  strings(v: readonly string[]): this {
    this.int(v.length);
    for (const s of v) this.string(s);
    return this;
  }
  acl(list: readonly RawAcl[]): this {
    this.int(list.length);
    for (const a of list) this.int(a.perms).string(a.scheme).string(a.id);
    return this;
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Reads Jute primitives; throws RangeError when the frame is shorter than the record. */
export class JuteReader {
  private at = 0;
  constructor(private readonly b: Buffer) {}
  get remaining(): number {
    return this.b.length - this.at;
  }
  int(): number {
    const v = this.b.readInt32BE(this.at);
    this.at += 4;
    return v;
  }
  long(): number {
    return Number(this.bigLong());
  }
  bigLong(): bigint {
    const v = this.b.readBigInt64BE(this.at);
    this.at += 8;
    return v;
  }
  bool(): boolean {
    return this.b[this.at++] !== 0;
  }
  buffer(): Buffer | null {
    const n = this.int();
    if (n < 0) return null;
    const v = this.b.subarray(this.at, this.at + n);
    if (v.length !== n) throw new RangeError("short buffer");
    this.at += n;
    return Buffer.from(v);
  }
  string(): string {
    return (this.buffer() ?? Buffer.alloc(0)).toString("utf8");
  }
  strings(): string[] {
    const n = this.int();
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.string());
    return out;
  }
  stat(): RawStat {
    return {
      czxid: this.long(),
      mzxid: this.long(),
      ctime: this.long(),
      mtime: this.long(),
      version: this.int(),
      cversion: this.int(),
      aversion: this.int(),
      ephemeralOwner: this.bigLong(),
      dataLength: this.int(),
      numChildren: this.int(),
      pzxid: this.long(),
    };
  }
  acl(): RawAcl[] {
    const n = this.int();
    const out: RawAcl[] = [];
    for (let i = 0; i < n; i++) out.push({ perms: this.int(), scheme: this.string(), id: this.string() });
    return out;
  }
}

/** KeeperException.Code names by number (the ones a create/read/write can answer). */
export const CODE_NAMES: Record<number, string> = {
  0: "OK",
  [-1]: "SYSTEMERROR",
  [-2]: "RUNTIMEINCONSISTENCY",
  [-3]: "DATAINCONSISTENCY",
  [-4]: "CONNECTIONLOSS",
  [-5]: "MARSHALLINGERROR",
  [-6]: "UNIMPLEMENTED",
  [-7]: "OPERATIONTIMEOUT",
  [-8]: "BADARGUMENTS",
  [-13]: "NEWCONFIGNOQUORUM",
  [-14]: "RECONFIGINPROGRESS",
  [-100]: "APIERROR",
  [-101]: "NONODE",
  [-102]: "NOAUTH",
  [-103]: "BADVERSION",
  [-108]: "NOCHILDRENFOREPHEMERALS",
  [-110]: "NODEEXISTS",
  [-111]: "NOTEMPTY",
  [-112]: "SESSIONEXPIRED",
  [-113]: "INVALIDCALLBACK",
  [-114]: "INVALIDACL",
  [-115]: "AUTHFAILED",
  [-118]: "SESSIONMOVED",
  [-119]: "NOTREADONLY",
  [-120]: "EPHEMERALONLOCALSESSION",
  [-121]: "NOWATCHER",
  [-123]: "RECONFIGDISABLED",
  [-124]: "SESSIONCLOSEDREQUIRESASLAUTH",
  [-125]: "QUOTAEXCEEDED",
  [-127]: "THROTTLEDOP",
};

/** Watcher.Event.EventType names. */
export const EVENT_TYPES: Record<number, string> = {
  [-1]: "None",
  1: "NodeCreated",
  2: "NodeDeleted",
  3: "NodeDataChanged",
  4: "NodeChildrenChanged",
  5: "DataWatchRemoved",
  6: "ChildWatchRemoved",
  7: "PersistentWatchRemoved",
};

/** Watcher.Event.KeeperState names. */
export const KEEPER_STATES: Record<number, string> = {
  [-1]: "Unknown",
  0: "Disconnected",
  3: "SyncConnected",
  4: "AuthFailed",
  5: "ConnectedReadOnly",
  6: "SaslAuthenticated",
  [-112]: "Expired",
  7: "Closed",
};

/** The create modes by wire flag. */
export const MODE_FLAGS: Record<string, number> = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
};

/** ZooDefs.Perms by name. */
export const PERMS: Record<string, number> = { READ: 1, WRITE: 2, CREATE: 4, DELETE: 8, ADMIN: 16, ALL: 31 };
