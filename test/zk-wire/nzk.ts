// A promise wrapper around node-zookeeper-client (an untyped CommonJS devDependency) for the wire tests.
import { createRequire } from "node:module";

/* eslint-disable @typescript-eslint/no-explicit-any */
const require = createRequire(import.meta.url);
const zookeeper: any = require("node-zookeeper-client");

/** A node-zookeeper-client Stat (longs arrive as 8-byte Buffers). */
export interface NzkStat {
  version: number;
  cversion: number;
  aversion: number;
  numChildren: number;
  dataLength: number;
  ephemeralOwner: Buffer;
  czxid: Buffer;
  mzxid: Buffer;
}

/** A watcher event as node-zookeeper-client reports it. */
export interface NzkEvent {
  type: number;
  name: string;
  path: string;
}

/** The error code of a node-zookeeper-client exception. */
export function codeOf(e: unknown): number | undefined {
  return typeof (e as any)?.getCode === "function" ? (e as any).getCode() : undefined;
}

/** Create modes of node-zookeeper-client. */
export const CreateMode: { PERSISTENT: number; EPHEMERAL: number; PERSISTENT_SEQUENTIAL: number; EPHEMERAL_SEQUENTIAL: number } = zookeeper.CreateMode;

/** A connected client with promise methods. */
export class Nzk {
  readonly raw: any;
  readonly states: string[] = [];
  private constructor(raw: any) {
    this.raw = raw;
    raw.on("state", (s: any) => this.states.push(String(s.name)));
  }

  /** Connects to a port on 127.0.0.1 or a connect string and resolves once the session is established (rejects after `ms`). */
  static connect(target: number | string, sessionTimeout = 4000, ms = 5000): Promise<Nzk> {
    const hosts = typeof target === "number" ? `127.0.0.1:${target}` : target;
    const raw = zookeeper.createClient(hosts, { sessionTimeout, spinDelay: 100, retries: 0 });
    const client = new Nzk(raw);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        raw.close();
        reject(new Error(`node-zookeeper-client: no session within ${ms} ms`));
      }, ms);
      raw.once("connected", () => {
        clearTimeout(timer);
        resolve(client);
      });
      raw.connect();
    });
  }

  get sessionId(): string {
    return (this.raw.getSessionId() as Buffer).toString("hex");
  }
  get sessionTimeout(): number {
    return this.raw.getSessionTimeout();
  }

  private call<T>(method: string, ...args: any[]): Promise<T> {
    return new Promise((resolve, reject) => {
      this.raw[method](...args, (err: unknown, ...results: any[]) => (err ? reject(err) : resolve((results.length <= 1 ? results[0] : results) as T)));
    });
  }

  create(path: string, data?: Buffer, mode = CreateMode.PERSISTENT): Promise<string> {
    return this.call("create", path, data ?? null, zookeeper.ACL.OPEN_ACL_UNSAFE, mode);
  }
  remove(path: string, version = -1): Promise<void> {
    return this.call("remove", path, version);
  }
  setData(path: string, data: Buffer | null, version = -1): Promise<NzkStat> {
    return this.call("setData", path, data, version);
  }
  getData(path: string, watcher?: (e: NzkEvent) => void): Promise<[Buffer | undefined, NzkStat]> {
    return watcher === undefined ? this.call("getData", path) : this.call("getData", path, watcher);
  }
  exists(path: string, watcher?: (e: NzkEvent) => void): Promise<NzkStat | null> {
    return watcher === undefined ? this.call("exists", path) : this.call("exists", path, watcher);
  }
  getChildren(path: string, watcher?: (e: NzkEvent) => void): Promise<[string[], NzkStat]> {
    return watcher === undefined ? this.call("getChildren", path) : this.call("getChildren", path, watcher);
  }
  getACL(path: string): Promise<[{ permission: number; id: { scheme: string; id: string } }[], NzkStat]> {
    return this.call("getACL", path);
  }
  /** Runs a transaction built by `build`; resolves with the results, rejects with the first failing op's error. */
  transaction(build: (t: any) => void): Promise<any[]> {
    const t = this.raw.transaction();
    build(t);
    return new Promise((resolve, reject) => t.commit((err: unknown, results: any[]) => (err ? reject(Object.assign(err as object, { results })) : resolve(results))));
  }
  /** Closes the session (closeSession) and waits for the socket to go. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 2000);
      this.raw.once("disconnected", () => {
        clearTimeout(timer);
        resolve();
      });
      this.raw.close();
    });
  }
}

/** Event type numbers of node-zookeeper-client (ZooKeeper's). */
export const EventType = { NODE_CREATED: 1, NODE_DELETED: 2, NODE_DATA_CHANGED: 3, NODE_CHILDREN_CHANGED: 4 } as const;
