/**
 * The one request-serving layer of a ZooKeeper server, shared by the single-node service
 * (`adapters/zk/service.ts`), the ensemble replica (`core/zk-ensemble/replica.ts`) and so by the wire server in
 * front of either: which requests are writes (they become transactions, replicated or not), and how a server
 * answers everything else for one session from its own tree — reads with the watch they leave, watch management,
 * setWatches (with the notifications it owes), and auth. Pure: the caller owns the connection and its auth list.
 * @module
 */
import { authIdFor } from "./acl.js";
import { Code } from "./codes.js";
import { read, type ReadRequest } from "./read.js";
import type { ClientRequest } from "./requests.js";
import type { ZkTree } from "./tree.js";
import type { AuthId, Reply } from "./types.js";
import { addOneShotWatch, addPersistentWatch, checkWatches, removeWatches, setWatches, type Notification, type WatchRegistry } from "./watches.js";

/** The requests that become a transaction (one zxid each, also when they fail). */
export type WriteClientRequest = Extract<ClientRequest, { readonly type: "create" | "delete" | "setData" | "setACL" | "multi" | "closeSession" | "reconfig" | "malformed" }>;

/** The requests a server answers from its own tree, without a transaction. */
export type LocalRequest = Exclude<ClientRequest, WriteClientRequest>;

const WRITE_TYPES: ReadonlySet<string> = new Set(["create", "delete", "setData", "setACL", "multi", "closeSession", "reconfig", "malformed"]);

/** Whether a request becomes a transaction. */
export function isWriteRequest(req: ClientRequest): req is WriteClientRequest {
  return WRITE_TYPES.has(req.type);
}

/** The connection a local request is served for. */
export interface ServingSession {
  readonly sessionId: number;
  /** The connection's authenticated ids: a successful `addAuth` adds to it. */
  readonly auth: AuthId[];
  /** The address the `ip` scheme authenticates the connection as. */
  readonly clientAddress: string;
}

/** The answer to a local request. */
export interface LocalResult {
  readonly reply: Reply;
  /** Notifications the request causes (setWatches: changes the client missed); ZooKeeper sends them before the reply. */
  readonly notifications: readonly Notification[];
  /** ZooKeeper closes the connection after this reply (a failed `addAuth`, an unknown opcode). */
  readonly closeConnection: boolean;
}

const NONE: readonly Notification[] = [];

/** Answers a local request of `session` from `tree`, registering the watches it leaves in `watches`. */
export function serveLocal(tree: ZkTree, watches: WatchRegistry, session: ServingSession, req: LocalRequest): LocalResult {
  const zxid = tree.lastZxid;
  const id = session.sessionId;
  const answer = (reply: Reply, notifications = NONE, closeConnection = false): LocalResult => ({ reply, notifications, closeConnection });
  switch (req.type) {
    case "addWatch":
      addPersistentWatch(watches, req.path, id, req.recursive);
      return answer({ err: Code.OK, zxid });
    case "checkWatches":
      return answer({ err: checkWatches(watches, req.path, req.watcherType, id), zxid });
    case "removeWatches":
      return answer({ err: removeWatches(watches, req.path, req.watcherType, id), zxid });
    case "setWatches":
      return answer({ err: Code.OK, zxid }, setWatches(watches, tree, id, req.relativeZxid, req.lists));
    case "addAuth": {
      const authId = authIdFor(req.scheme, req.auth, session.clientAddress);
      if (authId === undefined) return answer({ err: Code.AUTHFAILED, zxid: 0 }, NONE, true);
      if (!session.auth.some((a) => a.scheme === authId.scheme && a.id === authId.id)) session.auth.push(authId);
      return answer({ err: Code.OK, zxid: 0 });
    }
    case "unreadable":
      return answer({ err: req.code, zxid });
    case "raw":
      // An opcode ZooKeeper does not know: UNIMPLEMENTED with zxid −1, and the connection closes.
      return answer({ err: Code.UNIMPLEMENTED, zxid: -1 }, NONE, true);
    default: {
      const result = read(tree, id, session.auth, req as ReadRequest);
      if (result.watch !== undefined) addOneShotWatch(watches, result.watch.table, result.watch.path, id);
      return answer(result.reply);
    }
  }
}
