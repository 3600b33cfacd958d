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

/**
 * The faults the nemesis can inject. `ack-blackout` and `vote-crash` are kills timed by an event (a write
 * acknowledged, a vote granted); `kill` draws them too, now and then.
 */
export const TORTURE_FAULTS = ["kill", "pause", "partition", "lose-unsynced", "ack-blackout", "vote-crash"] as const;
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
  /** Snapshots the nodes took (compacting their log) and leader's snapshots they installed, from their logs. */
  readonly snapshots: { readonly taken: number; readonly installed: number };
  /** Path of the EDN history. */
  readonly history: string;
  readonly seconds: number;
  /** Why the run is not ok (a fault never injected, a node failure, the keys that are not linearizable). */
  readonly problems: readonly string[];
}

const KEYS = ["k0", "k1", "k2"];
/**
 * The nodes snapshot and compact their log this often (`--snapshot-count`), so that compaction, and a restarted or
 * cut-off node catching up by the leader's snapshot, run under the faults too.
 */
export const TORTURE_SNAPSHOT_COUNT = 50;
const SNAPSHOT_TAKEN_LINE = /^node \d+: snapshot at index \d+/;
const SNAPSHOT_INSTALLED_LINE = /^node \d+: installed the leader's snapshot/;
/** The process of the nemesis's own reads in the history (clients are 0, 1, …, growing by `clients`). */
const NEMESIS_PROCESS = 1_000_000;
/** A node's log lines the nemesis times faults by. */
const LEADER_LINE = /^node (\d+): leader in term (\d+)/;
const VOTE_LINE = /^node (\d+): granted vote to (\d+) in term (\d+)/;

/** Runs one torture test. */
export async function runTorture(o: TortureOptions): Promise<TortureResult> {
  const started = Date.now();
  const log = o.log ?? (() => undefined);
  const dir = o.out ?? (await mkdtemp(join(tmpdir(), "quorate-torture-")));
  await mkdir(dir, { recursive: true });
  const rng = new Prng(o.seed);
  const loseUnsynced = o.faults.includes("lose-unsynced");
  const cluster = await LocalCluster.start({ nodes: o.nodes, dir, loseUnsynced, proxies: o.faults.includes("partition"), tickMs: 50, snapshotCount: TORTURE_SNAPSHOT_COUNT, ...(o.slowSyncMs === undefined ? {} : { slowSyncMs: o.slowSyncMs }), ...(o.env === undefined ? {} : { env: o.env }) });
  const events: HistoryEvent[] = [];
  const faults: Record<string, number> = Object.fromEntries(o.faults.map((f) => [f, 0]));
  const problems: string[] = [];
  const now = (): number => Date.now() - started;
  const deadline = started + o.seconds * 1000;
  let running = true;

  const bump = (kind: string): void => void (faults[kind] = (faults[kind] ?? 0) + 1);
  const pause = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

  // What the nodes' logs say: the newest leader, and the hooks of the faults timed by a log line.
  let leader = { id: 0, term: 0 };
  let onLine: ((id: number, line: string) => void) | undefined;
  const snapshots = { taken: 0, installed: 0 };
  cluster.watch((id, line) => {
    if (SNAPSHOT_TAKEN_LINE.test(line)) snapshots.taken++;
    else if (SNAPSHOT_INSTALLED_LINE.test(line)) snapshots.installed++;
    const m = LEADER_LINE.exec(line);
    if (m !== null && Number(m[2]) >= leader.term) leader = { id: Number(m[1]), term: Number(m[2]) };
    onLine?.(id, line);
  });
  /**
   * Called synchronously when a client's write or cas is acknowledged, with the time it was invoked (the
   * ack-blackout fault's trigger).
   */
  let onAck: ((key: string, invokedAt: number) => void) | undefined;
  /** While set, clients start no new op (a recovery read phase, like Jepsen's final reads, but mid-run). */
  let quiet: Promise<void> | undefined;

  // Clients: one op at a time each; after an op of unknown outcome the client continues as a new process.
  let nextValue = 1;
  const client = async (c: number): Promise<void> => {
    const r = rng.fork();
    let process = c;
    const clients = cluster.ids.map((id) => new KvClient(cluster.url(id), 3000));
    const last = new Map<string, number>();
    while (running && Date.now() < deadline) {
      if (quiet !== undefined) {
        await quiet;
        continue;
      }
      const key = KEYS[r.int(KEYS.length)]!;
      const at = clients[r.int(clients.length)]!;
      const dice = r.float();
      const invokedAt = Date.now();
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
        if (outcome.type === "ok") onAck?.(key, invokedAt);
      } else {
        f = "cas";
        const from = last.get(key)!;
        const to = nextValue++;
        value = [from, to];
        invoke({ f, key, value });
        outcome = await at.cas(key, String(from), String(to));
        if (outcome.type === "ok") onAck?.(key, invokedAt);
      }
      if (outcome.type === "ok" && value !== null) last.set(key, typeof value === "number" ? value : value[1]);
      events.push({ process, type: outcome.type, f, key, value, time: now(), ...(outcome.type === "ok" ? {} : { error: outcome.error }) });
      if (outcome.type === "info") process += o.clients;
      if (outcome.type !== "ok") await pause(20);
    }
  };

  // The nemesis: calm, a fault, heal; the requested kinds in a shuffled cycle so each is injected.
  const sleep = (ms: number): Promise<void> => pause(Math.max(0, Math.min(ms, deadline - Date.now() - 2000)));
  /**
   * Restarts `ids` together, each after its own short delay: no node gets a head start in the next election.
   * A start that fails is a problem (the node refused its data directory), unless `killedMeanwhile(id)` (then
   * the node is left down). `started(id)` is called as each node is up.
   */
  const restart = async (ids: readonly number[], spread = 300, killedMeanwhile: (id: number) => boolean = () => false, started?: (id: number) => void): Promise<void> => {
    const delays = ids.map(() => rng.range(0, spread));
    await Promise.all(
      ids.map(async (id, i) => {
        await pause(delays[i]!);
        if (killedMeanwhile(id)) return;
        try {
          await cluster.startNode(id);
          started?.(id);
        } catch (e) {
          if (killedMeanwhile(id)) return;
          problems.push(`node ${id} could not restart: ${(e as Error).message}`);
          throw e;
        }
      }),
    );
  };
  const killed = (ids: readonly number[], kind: string): void => {
    bump(kind);
    if (loseUnsynced) bump("lose-unsynced");
    if (ids.includes(leader.id)) leader = { id: 0, term: leader.term };
    log(`${(now() / 1000).toFixed(1)}s ${kind}: kill -9 ${ids.join(",")}`);
  };
  const killRestart = async (ids: readonly number[]): Promise<void> => {
    await Promise.all(ids.map((id) => cluster.kill(id)));
    killed(ids, "kill");
    await sleep(rng.range(300, 1500));
    await restart(ids);
  };
  /** The nemesis's own linearizable read of `key` through one of `via` (recorded), until one succeeds. */
  const readUntilOk = async (key: string, via: readonly number[], ms: number): Promise<boolean> => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      events.push({ process: NEMESIS_PROCESS, type: "invoke", f: "read", key, value: null, time: now() });
      const r = await new KvClient(cluster.url(via[rng.int(via.length)]!), 1000).get(key);
      const value = r.type === "ok" ? (r.value === null ? null : Number(r.value)) : null;
      events.push({ process: NEMESIS_PROCESS, type: r.type, f: "read", key, value, time: now(), ...(r.type === "ok" ? {} : { error: r.error }) });
      if (r.type === "ok") return true;
      await pause(50);
    }
    return false;
  };
  /**
   * Resolves at the next acknowledged client write invoked after `since` (within `ms`), after killing every
   * node at that moment.
   */
  const blackoutAtAck = (ms: number, since = 0): Promise<{ key: string; leader: number; kills: Promise<void>[] } | undefined> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => ((onAck = undefined), resolve(undefined)), ms);
      onAck = (key, invokedAt) => {
        if (invokedAt < since) return;
        onAck = undefined;
        clearTimeout(timer);
        resolve({ key, leader: leader.id, kills: cluster.ids.map((id) => cluster.kill(id)) }); // the signals leave now
      };
    });
  /**
   * Ack-blackout (a power failure timed by a client, on stalled disks): the followers' disks stall (every
   * fdatasync hangs) and, the moment a write is acknowledged, every node is killed; if none is within 0.5–1.5 s
   * the disks go on and the next acknowledged write is the moment. Then all but the leader of that moment
   * restart and, with the clients quiet, every key is read through them until the reads succeed (they elected
   * a leader and committed in its term); only then does the old leader restart and the clients go on. An
   * acknowledged write must be on a majority's disks, so it survives without the old leader, and the recovery
   * reads, which no new write can overtake, show it.
   */
  const ackBlackout = async (): Promise<void> => {
    const stalled = leader.id > 0 && loseUnsynced ? cluster.ids.filter((id) => id !== leader.id) : [];
    for (const id of stalled) cluster.disk(id, "stall");
    // A write invoked once the stall surely began (the command travels through a pipe) is the moment.
    let hit = await blackoutAtAck(rng.range(500, 1500), Date.now() + 50);
    if (hit === undefined) {
      for (const id of stalled) cluster.disk(id, "resume");
      hit = await blackoutAtAck(5000);
    }
    if (hit === undefined) return; // no write was acknowledged in 5 s
    const down = hit.leader > 0 ? hit.leader : cluster.ids[rng.int(cluster.ids.length)]!;
    let resume = (): void => undefined;
    quiet = new Promise((res) => (resume = res));
    try {
      await Promise.all(hit.kills);
      killed(cluster.ids, "ack-blackout");
      log(`${(now() / 1000).toFixed(1)}s ack-blackout: ${stalled.length > 0 ? `disks of ${stalled.join(",")} stalled; ` : ""}leader ${down} stays down`);
      const others = cluster.ids.filter((id) => id !== down);
      await pause(rng.range(100, 500));
      await restart(others);
      const keys = [hit.key, ...KEYS.filter((k) => k !== hit.key)];
      const until = Date.now() + 10_000;
      let served = 0;
      for (const key of keys) if (await readUntilOk(key, others, until - Date.now())) served++;
      log(`${(now() / 1000).toFixed(1)}s ack-blackout: ${served} of ${keys.length} keys read without node ${down}; restarting it`);
      await restart([down]);
    } finally {
      quiet = undefined;
      resume();
    }
  };
  /**
   * Vote-crash (stalled disks, a paused candidate and a partial power failure): after a blackout (every node
   * restarted at once: equal logs, a contested election) with the disks of all but one node stalled, the moment
   * a node grants a vote, SIGSTOP the candidate and kill -9 every other node; restart them at once, and once
   * they elected a leader (or after 5 s) SIGCONT the candidate and give the clients 2-4 s. A granted vote must
   * be durable, so the voters cannot elect another leader in that term.
   */
  const voteCrash = async (): Promise<void> => {
    await Promise.all(cluster.ids.map((id) => cluster.kill(id)));
    killed(cluster.ids, "kill");
    await sleep(rng.range(100, 500));
    const crashed = new Set<number>();
    const hit = new Promise<{ candidate: number; voter: number; term: number; kills: Promise<void>[] } | undefined>((resolve) => {
      const timer = setTimeout(() => ((onLine = undefined), resolve(undefined)), 10_000);
      onLine = (_id, line) => {
        const m = VOTE_LINE.exec(line);
        if (m === null) return;
        onLine = undefined;
        clearTimeout(timer);
        const candidate = Number(m[2]);
        cluster.signal(candidate, "SIGSTOP");
        const victims = cluster.ids.filter((id) => id !== candidate);
        for (const id of victims) crashed.add(id);
        resolve({ candidate, voter: Number(m[1]), term: Number(m[3]), kills: victims.map((id) => cluster.kill(id)) });
      };
    });
    // The disks of all nodes but one stall as they come up (until a vote is granted, or for 1-2 s): a vote can
    // then be granted only by a stalled node, to the one node whose own vote for itself could become durable.
    const stalled = loseUnsynced ? cluster.ids.filter((id) => id !== cluster.ids[rng.int(cluster.ids.length)]) : [];
    // A node the vote-crash kills while it is still starting is restarted below; any other start failure counts.
    await restart(cluster.ids, 300, (id) => crashed.has(id), (id) => (stalled.includes(id) ? cluster.disk(id, "stall") : undefined));
    const resume = setTimeout(() => stalled.forEach((id) => cluster.disk(id, "resume")), rng.range(1000, 2000));
    const h = await hit;
    clearTimeout(resume);
    stalled.forEach((id) => cluster.disk(id, "resume")); // the candidate's, if it was one; the others are dead
    if (h === undefined) return; // no vote was granted in 10 s
    await Promise.all(h.kills);
    const victims = [...crashed];
    killed(victims, "vote-crash");
    log(`${(now() / 1000).toFixed(1)}s vote-crash: node ${h.voter} granted ${h.candidate} a vote in term ${h.term}; ${h.candidate} paused`);
    await restart(victims, 0);
    const until = Date.now() + 5000;
    while (Date.now() < until && !(victims.includes(leader.id) && leader.term >= h.term)) await pause(20);
    log(`${(now() / 1000).toFixed(1)}s vote-crash: ${victims.includes(leader.id) ? `node ${leader.id} leads term ${leader.term}` : "no new leader"}; SIGCONT ${h.candidate}`);
    cluster.signal(h.candidate, "SIGCONT");
    // Time for the clients to work through whatever leaders there are now.
    await sleep(rng.range(2000, 4000));
  };
  const nemesis = async (): Promise<void> => {
    const kinds = o.faults.filter((f) => f !== "lose-unsynced");
    if (loseUnsynced && kinds.length === 0) kinds.push("kill");
    let cycle: string[] = [];
    while (Date.now() < deadline - 3000) {
      await sleep(rng.range(500, 2000));
      if (Date.now() >= deadline - 3000) break;
      if (cycle.length === 0) cycle = [...kinds];
      let kind = cycle.splice(rng.int(cycle.length), 1)[0]!;
      // A kill is now and then one of the kills timed by an event (after the first plain kill).
      if (kind === "kill" && (faults["kill"] ?? 0) > 0 && rng.chance(0.3)) kind = rng.chance(0.5) ? "ack-blackout" : "vote-crash";
      // A vote-crash needs 6-10 s to play out and be seen by the clients: near the end it is a plain kill.
      if (kind === "vote-crash" && deadline - Date.now() < 9000) kind = "kill";
      const victim = cluster.ids[rng.int(cluster.ids.length)]!;
      if (kind === "ack-blackout") await ackBlackout();
      else if (kind === "vote-crash") await voteCrash();
      else if (kind === "kill") {
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
        bump("pause");
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
        bump("partition");
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
  return { ok, verdict, ops: count("invoke"), okOps: count("ok"), failOps: count("fail"), infoOps: count("info") + count("invoke") - count("ok") - count("fail") - count("info"), faults, snapshots, history, seconds: (Date.now() - started) / 1000, problems };
}
