/**
 * Clients of the history recorder: the same operations against etcd 3.4 (its JSON gRPC gateway, `/v3/kv/*`)
 * and ZooKeeper 3.8 (node-zookeeper-client). A register is one key or znode holding an integer (absent or empty:
 * nil); kv keys hold strings (absent or empty: ""). Compare-and-set and append are single atomic requests
 * (an etcd transaction, a versioned ZooKeeper setData) after a read; when the compare fails the op fails and
 * did not happen.
 */
import { createRequire } from "node:module";
import type { PlannedOp } from "./workload.js";

/** How an invoked operation completed (timeouts are the caller's business). */
export type Completion = { readonly type: "ok"; readonly value: number | string | null } | { readonly type: "fail"; readonly error: string };

/** One client connection able to run planned operations against a namespace of the server. */
export interface StoreClient {
  run(op: PlannedOp): Promise<Completion>;
  close(): void;
}

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string | undefined): string => (s === undefined ? "" : Buffer.from(s, "base64").toString("utf8"));
const registerValue = (text: string): number | null => (text === "" ? null : Number(text));

interface EtcdKv {
  readonly value?: string;
  readonly mod_revision?: string;
}

/** An etcd client for keys under `prefix`. */
export function etcdClient(address: string, prefix: string): StoreClient {
  const call = async (endpoint: string, body: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`http://${address}/v3/kv/${endpoint}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    if (!response.ok) throw new Error(`etcd ${endpoint}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  const get = async (key: string): Promise<EtcdKv | undefined> => ((await call("range", { key: b64(prefix + key) }))["kvs"] as EtcdKv[] | undefined)?.[0];
  const put = (key: string, value: string): Promise<unknown> => call("put", { key: b64(prefix + key), value: b64(value) });
  const txn = async (compare: unknown, key: string, value: string): Promise<boolean> =>
    (await call("txn", { compare: [compare], success: [{ request_put: { key: b64(prefix + key), value: b64(value) } }] }))["succeeded"] === true;
  return {
    async run(op) {
      switch (op.f) {
        case "read":
          return { type: "ok", value: registerValue(unb64((await get("r"))?.value)) };
        case "write":
          await put("r", String(op.value));
          return { type: "ok", value: op.value };
        case "cas": {
          const done = await txn({ key: b64(`${prefix}r`), target: "VALUE", result: "EQUAL", value: b64(String(op.from)) }, "r", String(op.to));
          return done ? { type: "ok", value: null } : { type: "fail", error: "compare-failed" };
        }
        case "get":
          return { type: "ok", value: unb64((await get(op.key))?.value) };
        case "put":
          await put(op.key, op.value);
          return { type: "ok", value: op.value };
        case "append": {
          const current = await get(op.key);
          // Write only if nobody wrote since the read: compare the key's mod revision (0: still absent).
          const compare = current === undefined
            ? { key: b64(prefix + op.key), target: "VERSION", result: "EQUAL", version: "0" }
            : { key: b64(prefix + op.key), target: "MOD", result: "EQUAL", mod_revision: current.mod_revision };
          const done = await txn(compare, op.key, unb64(current?.value) + op.value);
          return done ? { type: "ok", value: op.value } : { type: "fail", error: "conflict" };
        }
      }
    },
    close() {},
  };
}

interface ZkStat {
  readonly version: number;
}
interface ZkError {
  getCode(): number;
}
interface ZkHandle {
  connect(): void;
  close(): void;
  once(event: "connected", listener: () => void): void;
  getData(path: string, callback: (error: ZkError | null, data: Buffer | undefined, stat: ZkStat) => void): void;
  setData(path: string, data: Buffer, version: number, callback: (error: ZkError | null, stat: ZkStat) => void): void;
  create(path: string, data: Buffer, callback: (error: ZkError | null) => void): void;
}
interface ZkModule {
  createClient(connection: string, options: { sessionTimeout: number; retries: number }): ZkHandle;
  readonly Exception: { readonly BAD_VERSION: number; readonly NODE_EXISTS: number };
}
const zookeeper = createRequire(import.meta.url)("node-zookeeper-client") as ZkModule;

/** Connects one ZooKeeper session (rejects after `timeoutMs`). */
export function connectZooKeeper(address: string, timeoutMs = 20_000): Promise<ZkHandle> {
  return new Promise((resolve, reject) => {
    const handle = zookeeper.createClient(address, { sessionTimeout: 15_000, retries: 2 });
    const timer = setTimeout(() => {
      handle.close();
      reject(new Error(`no ZooKeeper session with ${address} after ${timeoutMs} ms`));
    }, timeoutMs);
    handle.once("connected", () => {
      clearTimeout(timer);
      resolve(handle);
    });
    handle.connect();
  });
}

/** Creates the znodes of a namespace, each holding the empty string. */
export async function createZnodes(handle: ZkHandle, paths: readonly string[]): Promise<void> {
  for (const p of paths) {
    await new Promise<void>((resolve, reject) =>
      handle.create(p, Buffer.alloc(0), (error) => (error === null || error.getCode() === zookeeper.Exception.NODE_EXISTS ? resolve() : reject(new Error(`create ${p}: ${String(error)}`)))),
    );
  }
}

/** A ZooKeeper client over znodes `${root}/r` and `${root}/k0…k4`. */
export function zooKeeperClient(handle: ZkHandle, root: string): StoreClient {
  const getData = (name: string): Promise<{ text: string; version: number }> =>
    new Promise((resolve, reject) =>
      handle.getData(`${root}/${name}`, (error, data, stat) => (error === null ? resolve({ text: data === undefined ? "" : data.toString("utf8"), version: stat.version }) : reject(new Error(String(error))))),
    );
  // Resolves true when written, false on a version conflict (the write did not happen).
  const setData = (name: string, text: string, version: number): Promise<boolean> =>
    new Promise((resolve, reject) =>
      handle.setData(`${root}/${name}`, Buffer.from(text, "utf8"), version, (error) =>
        error === null ? resolve(true) : error.getCode() === zookeeper.Exception.BAD_VERSION ? resolve(false) : reject(new Error(String(error))),
      ),
    );
  return {
    async run(op) {
      switch (op.f) {
        case "read":
          return { type: "ok", value: registerValue((await getData("r")).text) };
        case "write":
          await setData("r", String(op.value), -1);
          return { type: "ok", value: op.value };
        case "cas": {
          const current = await getData("r");
          if (current.text !== String(op.from)) return { type: "fail", error: "compare-failed" };
          return (await setData("r", String(op.to), current.version)) ? { type: "ok", value: null } : { type: "fail", error: "bad-version" };
        }
        case "get":
          return { type: "ok", value: (await getData(op.key)).text };
        case "put":
          await setData(op.key, op.value, -1);
          return { type: "ok", value: op.value };
        case "append": {
          const current = await getData(op.key);
          return (await setData(op.key, current.text + op.value, current.version)) ? { type: "ok", value: op.value } : { type: "fail", error: "bad-version" };
        }
      }
    },
    close: () => handle.close(),
  };
}
