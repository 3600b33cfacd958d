/**
 * ZooKeeper's error codes (`KeeperException.Code`) with their names, and the typed error quorate throws.
 * The numbers are ZooKeeper's own, so a reply can be compared with a real server's byte for byte.
 */

/** ZooKeeper's result codes, by name. */
export const Code = {
  OK: 0,
  SYSTEMERROR: -1,
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  CONNECTIONLOSS: -4,
  MARSHALLINGERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATIONTIMEOUT: -7,
  BADARGUMENTS: -8,
  UNKNOWNSESSION: -12,
  NEWCONFIGNOQUORUM: -13,
  RECONFIGINPROGRESS: -14,
  APIERROR: -100,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDCALLBACK: -113,
  INVALIDACL: -114,
  AUTHFAILED: -115,
  SESSIONMOVED: -118,
  NOTREADONLY: -119,
  EPHEMERALONLOCALSESSION: -120,
  NOWATCHER: -121,
  REQUESTTIMEOUT: -122,
  RECONFIGDISABLED: -123,
  SESSIONCLOSEDREQUIRESASLAUTH: -124,
  QUOTAEXCEEDED: -125,
  THROTTLEDOP: -127,
} as const;

/** A ZooKeeper code name such as `"NONODE"`. */
export type CodeName = keyof typeof Code;
/** A ZooKeeper code number such as `-101`. */
export type CodeNumber = (typeof Code)[CodeName];

const namesByNumber = new Map<number, CodeName>(
  (Object.entries(Code) as [CodeName, number][]).map(([name, value]) => [value, name]),
);

/** The name of a code number (`-101` → `"NONODE"`); `undefined` for a number ZooKeeper does not define. */
export function codeName(code: number): CodeName | undefined {
  return namesByNumber.get(code);
}

const hints: Partial<Record<CodeName, string>> = {
  NONODE: "the node (or, for create, its parent) does not exist",
  NODEEXISTS: "a node with that path already exists; pick another name or delete it first",
  BADVERSION: "the expected version does not match; re-read the node and retry, or pass -1 for any version",
  NOTEMPTY: "delete the node's children first",
  NOCHILDRENFOREPHEMERALS: "ephemeral nodes cannot have children; create the parent as a persistent node",
  BADARGUMENTS: "check the path (absolute, no trailing or double slash, no '.'/'..' segment, no control characters) and the arguments",
  INVALIDACL: "give a non-empty ACL with valid ids (world:anyone, ip:<addr>[/bits], digest:<user>:<hash>, or auth after addAuth)",
  NOAUTH: "the node's ACL does not grant this permission to the session; addAuth first or use another ACL",
  SESSIONEXPIRED: "the session is closed or expired; open a new session",
  CONNECTIONLOSS: "the connection is gone; reconnect the session before retrying",
  NOWATCHER: "no such watch is registered for this session and path",
  MARSHALLINGERROR: "the request is malformed (for multi: do not mix reads and writes)",
  UNIMPLEMENTED: "this operation is not supported",
  RECONFIGDISABLED: "reconfig is disabled on this server",
  AUTHFAILED: "unknown authentication scheme",
};

/**
 * A ZooKeeper error as a typed exception: `code` is ZooKeeper's number, `codeName` its name, `zxid` the reply
 * header zxid when the server answered (a failed write still uses a zxid, as in ZooKeeper).
 */
export class ZkError extends Error {
  /** ZooKeeper's code number. */
  readonly code: number;
  /** ZooKeeper's code name (`"UNKNOWN"` for a number outside ZooKeeper's table). */
  readonly codeName: string;
  /** The path the request was about, when there was one. */
  readonly path: string | undefined;
  /** The reply's zxid, when the server answered. */
  readonly zxid: number | undefined;

  constructor(code: number, path?: string, zxid?: number, detail?: string) {
    const name = codeName(code) ?? "UNKNOWN";
    const hint = detail ?? hints[name as CodeName] ?? "see ZooKeeper's KeeperException.Code";
    super(`${name} (${code})${path === undefined ? "" : ` for ${JSON.stringify(path)}`}: ${hint}`);
    this.name = "ZkError";
    this.code = code;
    this.codeName = name;
    this.path = path;
    this.zxid = zxid;
  }
}
