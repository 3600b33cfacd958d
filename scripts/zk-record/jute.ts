/**
 * What the transcript recorder reads beyond the project's codec (src/adapters/zk-wire): the Stat with the session
 * id exact (a real server's ids exceed 2^53; the codec's Stat holds numbers), and the names it writes for codes,
 * events, states, modes and permissions (ZooKeeper 3.8's). Pure.
 */
import type { JuteReader } from "../../src/adapters/zk-wire/jute.js";

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

/** Reads a Stat, its ephemeralOwner as an exact bigint. */
export function readRawStat(r: JuteReader): RawStat {
  return {
    czxid: r.longNumber(),
    mzxid: r.longNumber(),
    ctime: r.longNumber(),
    mtime: r.longNumber(),
    version: r.int(),
    cversion: r.int(),
    aversion: r.int(),
    ephemeralOwner: r.long(),
    dataLength: r.int(),
    numChildren: r.int(),
    pzxid: r.longNumber(),
  };
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
