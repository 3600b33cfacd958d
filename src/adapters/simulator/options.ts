/** The faults a simulation may inject. */
export interface FaultSet {
  /** Lose messages. */
  drop: boolean;
  /** Deliver some messages twice. */
  dup: boolean;
  /** Delay some messages much longer than others, so links stop being FIFO. */
  reorder: boolean;
  /** Symmetric, one-way and partial (bridge) partitions, healed later. */
  partition: boolean;
  /** Crash nodes (losing what is not durable) and restart them from disk. */
  crash: boolean;
  /** Give nodes different tick rates. */
  drift: boolean;
  /** Slow disks: durable-write acknowledgements are delayed. */
  disk: boolean;
}

/** Every fault name, in the order `--faults all` lists them. */
export const FAULT_NAMES = ["drop", "dup", "reorder", "partition", "crash", "drift", "disk"] as const;

/** A bad simulator option: names the option and what is allowed. */
export class SimOptionError extends Error {
  readonly code = "E_SIM_OPTION";
  constructor(
    /** The option at fault, e.g. `--faults`. */
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`);
    this.name = "SimOptionError";
  }
}

/** No faults at all. */
export function noFaults(): FaultSet {
  return { drop: false, dup: false, reorder: false, partition: false, crash: false, drift: false, disk: false };
}

/** Every fault on. */
export function allFaults(): FaultSet {
  return { drop: true, dup: true, reorder: true, partition: true, crash: true, drift: true, disk: true };
}

/** Parses `drop,dup,…`, `all` or `none` into a fault set; throws `SimOptionError` naming `--faults`. */
export function parseFaults(text: string): FaultSet {
  const set = noFaults();
  if (text.trim() === "none" || text.trim() === "") return set;
  for (const raw of text.split(",")) {
    const name = raw.trim();
    if (name === "all") return allFaults();
    if (!(FAULT_NAMES as readonly string[]).includes(name)) {
      throw new SimOptionError("--faults", `unknown fault '${name}'; use a comma list of ${FAULT_NAMES.join(", ")}, or all, or none`);
    }
    set[name as keyof FaultSet] = true;
  }
  return set;
}

/** Formats a fault set the way `parseFaults` reads it. */
export function formatFaults(set: FaultSet): string {
  const on = FAULT_NAMES.filter((f) => set[f]);
  if (on.length === FAULT_NAMES.length) return "all";
  return on.length === 0 ? "none" : on.join(",");
}

/** Concurrent clients when `SimOptions.clients` is not given: enough to keep a leader busy between faults. */
export const DEFAULT_CLIENTS = 5;

/** One simulation run. */
export interface SimOptions {
  readonly seed: number;
  readonly nodes: number;
  /** Events processed in the safety phase (with faults) before the liveness phase. */
  readonly steps: number;
  readonly faults: FaultSet;
  /** Concurrent clients (default `DEFAULT_CLIENTS`). */
  readonly clients?: number;
  /** Record the NDJSON trace (default false). */
  readonly trace?: boolean;
  /** Run the liveness phase after the safety phase (default true). */
  readonly liveness?: boolean;
  /** Simulated milliseconds the liveness phase may take (default 10,000). */
  readonly livenessBoundMs?: number;
  /**
   * When a node's sends may leave while its durable writes are in flight. "strict" (default): every send waits
   * for every earlier write of its node — except messages the protocol lets overtake them (`overtakes`: for
   * Raft the leader's appends, which the dissertation (§10.2.1) lets a leader send while writing its own log;
   * the leader may then count itself only once its write is durable). "contract": a send waits only for a
   * write issued earlier in the same step — exactly what the Raft core's durability contract asks of a driver.
   */
  readonly sendOrder?: "strict" | "contract";
  /** Inject partitions and crashes at random (default true); false when a schedule drives them from outside. */
  readonly nemesis?: boolean;
  /** Stop at the first violation (default true). */
  readonly stopOnViolation?: boolean;
}

/** Validates run options; throws `SimOptionError` naming the option. */
export function checkOptions(o: SimOptions): void {
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) throw new SimOptionError("--seed", `must be an integer in 0..4294967295, got ${o.seed}`);
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > 15) throw new SimOptionError("--nodes", `must be an integer in 1..15, got ${o.nodes}`);
  if (!Number.isInteger(o.steps) || o.steps < 0 || o.steps > 1e9) throw new SimOptionError("--steps", `must be an integer in 0..1000000000, got ${o.steps}`);
  const c = o.clients ?? DEFAULT_CLIENTS;
  if (!Number.isInteger(c) || c < 0 || c > 100) throw new SimOptionError("--clients", `must be an integer in 0..100, got ${c}`);
}
