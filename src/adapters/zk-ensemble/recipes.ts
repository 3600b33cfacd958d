/**
 * ZooKeeper's recipes on the client: a lock and leader election on ephemeral sequential nodes, where each
 * waiter watches only its predecessor (no herd effect: one release wakes one waiter), with a fencing token —
 * the holder's node's czxid, which only grows from one holder to the next — and a barrier.
 */
import type { MultiOp, OpResult, WatchEvent } from "../../core/zk/index.js";
import { Code, ZkError } from "../../core/zk/index.js";
import type { EnsembleClient } from "./client.js";
import { ZkMultiError } from "./client.js";

/** Sequence number of a sequential node's name (the 10-digit suffix). */
export function sequenceOf(name: string): number {
  return Number(name.slice(-10));
}

async function ensurePath(client: EnsembleClient, path: string): Promise<void> {
  let at = "";
  for (const part of path.split("/").slice(1)) {
    at += `/${part}`;
    try {
      await client.create(at);
    } catch (e) {
      if (!(e instanceof ZkError && e.code === Code.NODEEXISTS)) throw e;
    }
  }
}

/** Resolves with the first watch event, or rejects when the session expires or closes meanwhile. */
function nextEvent(client: EnsembleClient, register: (watcher: (e: WatchEvent) => void) => Promise<boolean>): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const off = client.onState((s) => {
      if (settled) return;
      if (s === "expired" || s === "closed") {
        settled = true;
        off();
        reject(new ZkError(Code.SESSIONEXPIRED, undefined, undefined, "the session ended while waiting"));
      } else if (s === "reconnected") {
        // Watches are re-armed on reconnect; re-check in case the change happened while away.
        settled = true;
        off();
        resolve();
      }
    });
    register(() => {
      if (settled) return;
      settled = true;
      off();
      resolve();
    }).then(
      (armed) => {
        if (!armed && !settled) {
          settled = true;
          off();
          resolve();
        }
      },
      (e: unknown) => {
        if (settled) return;
        settled = true;
        off();
        reject(e);
      },
    );
  });
}

/** A held lock (or won election): its node, its fencing token, and how to give it up. */
export interface Hold {
  /** The holder's node. */
  readonly path: string;
  /** The fencing token: the node's czxid. A later holder always has a larger one. */
  readonly token: number;
  /** Deletes the node (releases the lock, resigns leadership). */
  release(): Promise<void>;
  /**
   * Runs write ops only while still holding: one multi that first checks the holder's node exists. Rejects
   * with `ZkMultiError` (nothing applied) when the hold was lost (the session expired, the node was deleted).
   */
  guarded(ops: readonly MultiOp[]): Promise<readonly OpResult[]>;
}

/**
 * A lock: `acquire` creates `dir/lock-NNNNNNNNNN` (ephemeral, sequential) and waits until its node is the
 * lowest, watching only the node just below its own.
 */
export class Lock {
  /** Paths watched while waiting (one per wait: the predecessor), for tests and diagnostics. */
  readonly watched: string[] = [];

  constructor(
    private readonly client: EnsembleClient,
    /** The lock's directory (created when missing). */
    readonly dir: string,
    private readonly prefix = "lock-",
    private readonly data = "",
  ) {}

  /** Waits until this client holds the lock. Rejects with SESSIONEXPIRED when the session ends first. */
  async acquire(): Promise<Hold> {
    const client = this.client;
    await ensurePath(client, this.dir);
    const mine = await client.create(`${this.dir}/${this.prefix}`, this.data, { mode: "EPHEMERAL_SEQUENTIAL", stat: true });
    const name = mine.path.slice(this.dir.length + 1);
    for (;;) {
      const { children } = await client.getChildren(this.dir);
      const contenders = children.filter((c) => c.startsWith(this.prefix)).sort((a, b) => sequenceOf(a) - sequenceOf(b));
      const at = contenders.indexOf(name);
      if (at < 0) throw new ZkError(Code.SESSIONEXPIRED, mine.path, undefined, "the lock node is gone (session expired or node deleted)");
      if (at === 0) return this.hold(mine.path, mine.stat!.czxid);
      const predecessor = `${this.dir}/${contenders[at - 1]!}`;
      this.watched.push(predecessor);
      await nextEvent(client, async (w) => (await client.exists(predecessor, { watch: w })).stat !== null);
    }
  }

  private hold(path: string, token: number): Hold {
    const client = this.client;
    return {
      path,
      token,
      async release() {
        try {
          await client.delete(path);
        } catch (e) {
          if (!(e instanceof ZkError && e.code === Code.NONODE)) throw e;
        }
      },
      async guarded(ops) {
        const out = await client.multi([{ type: "check", path, version: -1 }, ...ops]);
        const failed = out.results.find((r) => r.type === "error" && r.err !== Code.OK && r.err !== Code.RUNTIMEINCONSISTENCY);
        if (failed !== undefined && failed.type === "error") throw new ZkMultiError(failed.err, out.zxid, out.results);
        return out.results;
      },
    };
  }
}

/** Leader election: the contender with the lowest node leads; each other contender watches its predecessor. */
export class LeaderElection {
  private readonly lock: Lock;

  constructor(
    private readonly client: EnsembleClient,
    /** The election's directory. */
    readonly dir: string,
    /** What this contender publishes in its node (e.g. its address). */
    readonly id: string,
  ) {
    this.lock = new Lock(client, dir, "n_", id);
  }

  /** Resolves when this contender leads; the hold's token is its epoch (a fencing token). */
  campaign(): Promise<Hold> {
    return this.lock.acquire();
  }

  /** The current leader's id (its node's data), or null when nobody contends. */
  async leader(): Promise<string | null> {
    const { children } = await this.client.getChildren(this.dir, { linearizable: true });
    const first = children.filter((c) => c.startsWith("n_")).sort((a, b) => sequenceOf(a) - sequenceOf(b))[0];
    if (first === undefined) return null;
    try {
      const { data } = await this.client.getData(`${this.dir}/${first}`);
      return data === null ? "" : new TextDecoder().decode(data);
    } catch (e) {
      if (e instanceof ZkError && e.code === Code.NONODE) return this.leader();
      throw e;
    }
  }
}

/** A barrier: while its node exists, `wait` blocks; `remove` lets every waiter through. */
export class Barrier {
  constructor(
    private readonly client: EnsembleClient,
    /** The barrier's node. */
    readonly path: string,
  ) {}

  /** Raises the barrier (creates its node; fine when it is already up). */
  async set(): Promise<void> {
    try {
      await this.client.create(this.path);
    } catch (e) {
      if (!(e instanceof ZkError && e.code === Code.NODEEXISTS)) throw e;
    }
  }

  /** Lowers the barrier. */
  async remove(): Promise<void> {
    try {
      await this.client.delete(this.path);
    } catch (e) {
      if (!(e instanceof ZkError && e.code === Code.NONODE)) throw e;
    }
  }

  /** Resolves once the barrier is down. */
  async wait(): Promise<void> {
    for (;;) {
      let up = false;
      await nextEvent(this.client, async (w) => {
        up = (await this.client.exists(this.path, { watch: w })).stat !== null;
        return up;
      });
      if (!up) return;
    }
  }
}
