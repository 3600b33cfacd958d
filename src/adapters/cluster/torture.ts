/**
 * The torture harness: a real local cluster of `quorate node` processes (with `--lose-unsynced` when asked, so
 * `kill -9` loses what a power failure would), concurrent clients doing read / write / cas on a few keys, and a
 * seeded nemesis injecting real faults — `kill -9` then restart (one node, or every node at once: a blackout),
 * SIGSTOP/SIGCONT, and partitions through the fault proxy on every directed peer link (drop, one-way, delay,
 * split). The history is written as Jepsen EDN and checked per key with quorate's linearizability checker.
 * @module
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkLinearizability, modelByName, parseHistory, type Verdict } from "../../check/linearizability/index.js";
import { Prng } from "../simulator/prng.js";
import { historyEdn, type HistoryEvent } from "./history.js";
import { KvClient, type KvOutcome } from "./kv-client.js";
import { LocalCluster } from "./local-cluster.js";

/** The faults the nemesis can inject. */
export const TORTURE_FAULTS = ["kill", "pause", "partition", "lose-unsynced"] as const;
/** One of {@link TORTURE_FAULTS}. */
export type TortureFault = (typeof TORTURE_FAULTS)[number];

/** Options of {@link runTorture}. */
export interface TortureOptions {
  readonly nodes: number;
  readonly seconds: number;
  readonly clients: number;
  readonly faults: readonly TortureFault[];
  readonly seed: number;
  /** Where the history and node logs go (default: a new temp dir). */
  readonly out?: string;
  /** The share of kills that kill every node at once (a blackout). Default 0.4. */
  readonly blackoutChance?: number;
  /** A slow disk on every node: each fdatasync first waits a random 0..slowSyncMs ms. */
  readonly slowSyncMs?: number;
  /** Environment of the node processes (the tests' planted bugs). */
  readonly env?: Readonly<Record<string, string>>;
  /** Progress lines (nemesis actions). */
  readonly log?: (line: string) => void;
}

/** The outcome of a run. */
export interface TortureResult {
  readonly ok: boolean;
  /** The checker's verdict, or `node-failed` when a node could not restart from its data directory. */
  readonly verdict: Verdict | "node-failed";
  readonly ops: number;
  readonly okOps: number;
  readonly failOps: number;
  readonly infoOps: number;
  /** How many times each fault kind was injected. */
  readonly faults: Record<string, number>;
  /** Path of the EDN history. */
  readonly history: string;
  readonly seconds: number;
  /** Why the run is not ok (a fault never injected, a node failure, the keys that are not linearizable). */
  readonly problems: readonly string[];
}

const KEYS = ["k0", "k1", "k2"];

/** Runs one torture test. */
export async function runTorture(o: TortureOptions): Promise<TortureResult> {
  const started = Date.now();
  const log = o.log ?? (() => undefined);
  const dir = o.out ?? (await mkdtemp(join(tmpdir(), "quorate-torture-")));
  await mkdir(dir, { recursive: true });
  const rng = new Prng(o.seed);
  const loseUnsynced = o.faults.includes("lose-unsynced");
  const cluster = await LocalCluster.start({ nodes: o.nodes, dir, loseUnsynced, proxies: o.faults.includes("partition"), tickMs: 50, ...(o.slowSyncMs === undefined ? {} : { slowSyncMs: o.slowSyncMs }), ...(o.env === undefined ? {} : { env: o.env }) });
  const events: HistoryEvent[] = [];
  const faults: Record<string, number> = Object.fromEntries(o.faults.map((f) => [f, 0]));
  const problems: string[] = [];
  const now = (): number => Date.now() - started;
  const deadline = started + o.seconds * 1000;
  let running = true;

  // Clients: one op at a time each; after an op of unknown outcome the client continues as a new process.
  let nextValue = 1;
  const client = async (c: number): Promise<void> => {
    const r = rng.fork();
    let process = c;
    const clients = cluster.ids.map((id) => new KvClient(cluster.url(id), 3000));
    const last = new Map<string, number>();
    while (running && Date.now() < deadline) {
      const key = KEYS[r.int(KEYS.length)]!;
      const at = clients[r.int(clients.length)]!;
      const dice = r.float();
      let f: HistoryEvent["f"];
      let value: HistoryEvent["value"];
      let outcome: KvOutcome<string | null>;
      const invoke = (e: Omit<HistoryEvent, "process" | "type" | "time">): void => void events.push({ ...e, process, type: "invoke", time: now() });
      if (dice < 0.5) {
        f = "read";
        value = null;
        invoke({ f, key, value });
        outcome = await at.get(key);
        if (outcome.type === "ok") value = outcome.value === null ? null : Number(outcome.value);
      } else if (dice < 0.8 || !last.has(key)) {
        f = "write";
        const v = nextValue++;
        value = v;
        invoke({ f, key, value });
        outcome = await at.put(key, String(v));
      } else {
        f = "cas";
        const from = last.get(key)!;
        const to = nextValue++;
        value = [from, to];
        invoke({ f, key, value });
        outcome = await at.cas(key, String(from), String(to));
      }
      if (outcome.type === "ok" && value !== null) last.set(key, typeof value === "number" ? value : value[1]);
      events.push({ process, type: outcome.type, f, key, value, time: now(), ...(outcome.type === "ok" ? {} : { error: outcome.error }) });
      if (outcome.type === "info") process += o.clients;
      if (outcome.type !== "ok") await new Promise((res) => setTimeout(res, 20));
    }
  };

  // The nemesis: calm, a fault, heal; the requested kinds in a shuffled cycle so each is injected.
  const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, Math.max(0, Math.min(ms, deadline - Date.now() - 2000))));
  const killRestart = async (ids: readonly number[]): Promise<void> => {
    await Promise.all(ids.map((id) => cluster.kill(id)));
    faults["kill"] = (faults["kill"] ?? 0) + 1;
    if (loseUnsynced) faults["lose-unsynced"] = (faults["lose-unsynced"] ?? 0) + 1;
    log(`${(now() / 1000).toFixed(1)}s kill -9 ${ids.join(",")}`);
    await sleep(rng.range(300, 1500));
    // Restarted together, each after its own short delay: no node gets a head start in the next election.
    const delays = ids.map(() => rng.range(0, 300));
    await Promise.all(
      ids.map(async (id, i) => {
        await new Promise((res) => setTimeout(res, delays[i]));
        try {
          await cluster.startNode(id);
        } catch (e) {
          problems.push(`node ${id} could not restart: ${(e as Error).message}`);
          throw e;
        }
      }),
    );
  };
  const nemesis = async (): Promise<void> => {
    const kinds = o.faults.filter((f) => f !== "lose-unsynced");
    if (loseUnsynced && !kinds.includes("kill")) kinds.push("kill");
    let cycle: string[] = [];
    while (Date.now() < deadline - 3000) {
      await sleep(rng.range(500, 2000));
      if (Date.now() >= deadline - 3000) break;
      if (cycle.length === 0) cycle = [...kinds];
      const kind = cycle.splice(rng.int(cycle.length), 1)[0]!;
      const victim = cluster.ids[rng.int(cluster.ids.length)]!;
      if (kind === "kill") {
        // Sometimes every node at once (a power failure of the whole cluster), sometimes one.
        const all = rng.chance(o.blackoutChance ?? 0.4);
        await killRestart(all ? cluster.ids : [victim]);
        // Sometimes a second blackout while the restarted cluster is electing (votes in flight).
        if (all && rng.chance(0.5)) {
          await sleep(rng.range(100, 900));
          await killRestart(cluster.ids);
        }
      } else if (kind === "pause") {
        cluster.signal(victim, "SIGSTOP");
        faults["pause"] = (faults["pause"] ?? 0) + 1;
        log(`${(now() / 1000).toFixed(1)}s SIGSTOP ${victim}`);
        await sleep(rng.range(500, 3000));
        cluster.signal(victim, "SIGCONT");
      } else if (kind === "partition") {
        const variant = rng.int(4);
        const others = cluster.ids.filter((id) => id !== victim);
        const side = new Set(variant === 3 ? cluster.ids.filter(() => rng.chance(0.5)) : [victim]);
        for (const [name, link] of cluster.links) {
          const [a, b] = name.split("→").map(Number) as [number, number];
          const cut = variant === 0 ? a === victim || b === victim : variant === 1 ? a === victim : variant === 3 ? side.has(a) !== side.has(b) : false;
          if (variant === 2 && (a === victim || b === victim)) link.set({ kind: "delay", delayMs: rng.range(50, 400) });
          else if (cut) link.set({ kind: "drop" });
        }
        faults["partition"] = (faults["partition"] ?? 0) + 1;
        log(`${(now() / 1000).toFixed(1)}s partition ${["isolate", "one-way from", "delay", "split"][variant]} ${variant === 3 ? [...side].join(",") : victim} (others ${others.join(",")})`);
        await sleep(rng.range(1000, 4000));
        for (const link of cluster.links.values()) link.set({ kind: "pass" });
      }
    }
  };

  let nodeFailed = false;
  try {
    await Promise.all([...Array.from({ length: o.clients }, (_, c) => client(c)), nemesis().catch(() => ((nodeFailed = true), (running = false)))]);
  } finally {
    running = false;
    await cluster.stop();
  }
  const history = join(dir, "history.edn");
  await writeFile(history, historyEdn(events));
  for (const f of o.faults) if ((faults[f] ?? 0) === 0) problems.push(`fault ${f} was never injected (run longer)`);
  let verdict: Verdict | "node-failed" = "linearizable";
  if (nodeFailed) verdict = "node-failed";
  else {
    for (const key of KEYS) {
      const h = parseHistory(historyEdn(events, key), "jepsen-edn", `${history}#${key}`);
      const r = checkLinearizability(h, modelByName("cas-register"), { timeoutMs: 60_000 });
      if (r.verdict === "not-linearizable") {
        verdict = "not-linearizable";
        problems.push(`key ${key} is not linearizable`);
      } else if (r.verdict === "unknown" && verdict === "linearizable") verdict = "unknown";
    }
  }
  const count = (t: HistoryEvent["type"]): number => events.filter((e) => e.type === t).length;
  const ok = verdict === "linearizable" && problems.length === 0;
  return { ok, verdict, ops: count("invoke"), okOps: count("ok"), failOps: count("fail"), infoOps: count("info") + count("invoke") - count("ok") - count("fail") - count("info"), faults, history, seconds: (Date.now() - started) / 1000, problems };
}
