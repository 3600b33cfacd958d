/**
 * The project's own ZooKeeper scenarios (`zk-golden/1` steps), recorded against a real ZooKeeper 3.8 by
 * scripts/record-zk-transcripts.ts into test/data/zk/. Ids start with `q` so they never clash with other recordings.
 */
import type { Step } from "./ops.js";

/** One scenario to record. */
export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly topics: readonly string[];
  /** Sessions opened before step 0, in order, with their requested timeouts. */
  readonly sessions: Record<string, number>;
  /** `-Dzookeeper.extendedTypesEnabled` (default true, as in every other recording). */
  readonly extendedTypesEnabled?: boolean;
  readonly steps: readonly Step[];
}

/** ZooKeeper's largest TTL (`EphemeralType.TTL.maxValue()`: 2^40 − 1 ms). */
export const MAX_TTL = 2 ** 40 - 1;

/** Invalid create-mode flags (CreateMode.fromFlag rejects anything outside 0..6). */
const BAD_FLAGS = [-1, 7, 1000];
const ALL_FLAGS = [0, 1, 2, 3, 4, 5, 6, ...BAD_FLAGS];
/**
 * TTL values sent in a CreateTTLRequest; other opcodes carry no ttl (the server uses −1). The smallest valid TTL,
 * 1 ms, is tried only inside a multi that deletes the node again: a node that may expire while the scenario runs
 * would make the reaper's zxids depend on timing.
 */
const TTLS = [-1, -5, 0, 60_000, MAX_TTL, MAX_TTL + 1];

/**
 * Section 5 of issue 12: every create opcode × every flag value (valid modes and invalid numbers) × TTL value.
 * The body layout follows `mode` (a TTL mode makes it a CreateTTLRequest); `opcode` and `flags` override the
 * header and the flags, which is how a raw wire client reaches the combinations the Java client never sends.
 */
function createValidationSteps(): Step[] {
  const steps: Step[] = [];
  const path = (opcode: number, flags: number, ttl?: number) => `/v${opcode}f${flags < 0 ? "m" + -flags : flags}${ttl === undefined ? "" : "t" + (ttl < 0 ? "m" + -ttl : ttl)}`;
  for (const opcode of [1, 15, 19]) {
    for (const flags of ALL_FLAGS) {
      const op = opcode === 15 ? "create2" : "create";
      const mode = opcode === 19 ? "CONTAINER" : "PERSISTENT";
      steps.push({ session: "a", op, path: path(opcode, flags), mode, flags, ...(opcode === 19 ? {} : { opcode }) });
    }
  }
  for (const flags of ALL_FLAGS) {
    for (const ttl of TTLS) {
      // Not recorded: createTTL with a valid non-TTL mode (flags 0..4) and ttl < 0 passes ZooKeeper 3.8.0's
      // validation (validateTTL accepts ttl < 0 for a non-TTL mode) and then kills the server when the txn is
      // applied (DataTree: "ttl must be positive", ZooKeeperCriticalThread: "Severe unrecoverable error", exit).
      // quorate answers BADARGUMENTS instead (test/zk/create-validation.test.ts).
      if (flags >= 0 && flags <= 4 && ttl < 0) continue;
      steps.push({ session: "a", op: "create", path: path(21, flags, ttl), mode: "PERSISTENT_WITH_TTL", ttl, flags });
    }
  }
  // What the Java client sends for each mode (no overrides), with and without a ttl.
  for (const mode of ["PERSISTENT", "EPHEMERAL", "PERSISTENT_SEQUENTIAL", "EPHEMERAL_SEQUENTIAL", "CONTAINER"]) {
    steps.push({ session: "a", op: "create2", path: `/m-${mode.toLowerCase()}`, mode });
  }
  for (const mode of ["PERSISTENT_WITH_TTL", "PERSISTENT_SEQUENTIAL_WITH_TTL"]) {
    for (const ttl of [0, -1, 5000, MAX_TTL + 1]) steps.push({ session: "a", op: "create2", path: `/m-${mode.toLowerCase()}-${ttl < 0 ? "m1" : ttl}`, mode, ttl });
  }
  // The same checks inside a multi: the sub-op's type follows its mode.
  steps.push({ session: "a", op: "multi", ops: [{ op: "create", path: "/mx-ttl", mode: "PERSISTENT_WITH_TTL", ttl: 0 }] });
  steps.push({ session: "a", op: "multi", ops: [{ op: "create", path: "/mx-flags", flags: 9 }] });
  steps.push({ session: "a", op: "multi", ops: [{ op: "create", path: "/mx-ok", mode: "PERSISTENT_WITH_TTL", ttl: 5000 }, { op: "create", path: "/mx-c", mode: "CONTAINER" }] });
  steps.push({ session: "a", op: "multi", ops: [{ op: "create", path: "/mx-1ms", mode: "PERSISTENT_WITH_TTL", ttl: 1 }, { op: "delete", path: "/mx-1ms" }] });
  // Validation comes before the path checks: a bad mode on a missing parent is BADARGUMENTS, not NONODE.
  steps.push({ session: "a", op: "create", path: "/no/parent", flags: 8 });
  steps.push({ session: "a", op: "create", path: "/no/parent", mode: "PERSISTENT_WITH_TTL", ttl: 0 });
  steps.push({ session: "a", op: "create", path: "/no/parent", mode: "PERSISTENT_WITH_TTL", ttl: 10 });
  steps.push({ session: "a", op: "getChildren2", path: "/" });
  return steps;
}

/** The same table on a server started without `zookeeper.extendedTypesEnabled`: TTL modes are UNIMPLEMENTED. */
function createValidationNoExtendedTypes(): Step[] {
  const steps: Step[] = [];
  for (const flags of [0, 4, 5, 6, 7]) {
    steps.push({ session: "a", op: "create", path: `/n1f${flags}`, flags, opcode: 1 });
    steps.push({ session: "a", op: "create", path: `/n19f${flags}`, mode: "CONTAINER", flags });
    for (const ttl of [-1, 0, 5000]) {
      if (flags <= 4 && ttl < 0) continue; // kills ZooKeeper 3.8.0 (see createValidationSteps)
      steps.push({ session: "a", op: "create", path: `/n21f${flags}t${ttl < 0 ? "m1" : ttl}`, mode: "PERSISTENT_WITH_TTL", ttl, flags });
    }
  }
  steps.push({ session: "a", op: "create2", path: "/ttl", mode: "PERSISTENT_WITH_TTL", ttl: 5000 });
  steps.push({ session: "a", op: "create2", path: "/ttl-seq-", mode: "PERSISTENT_SEQUENTIAL_WITH_TTL", ttl: 5000 });
  steps.push({ session: "a", op: "multi", ops: [{ op: "create", path: "/mx-ttl", mode: "PERSISTENT_WITH_TTL", ttl: 5000 }] });
  steps.push({ session: "a", op: "getChildren2", path: "/" });
  return steps;
}

/** Every scenario, in recording order. */
export const SCENARIOS: readonly Scenario[] = [
  {
    id: "q01-create-validation",
    title: "create validation: every opcode x create-mode flag x TTL value, TTL nodes enabled",
    topics: ["create", "ttl", "wire"],
    sessions: { a: 4000 },
    steps: createValidationSteps(),
  },
  {
    id: "q02-create-validation-no-ttl",
    title: "create validation with zookeeper.extendedTypesEnabled unset: TTL modes are UNIMPLEMENTED",
    topics: ["create", "ttl", "wire"],
    sessions: { a: 4000 },
    extendedTypesEnabled: false,
    steps: createValidationNoExtendedTypes(),
  },
  {
    id: "q03-watches-and-versions",
    title: "data, exists and child watches fire once; versions and stats move with each write",
    topics: ["watches", "stat"],
    sessions: { a: 4000, b: 4000 },
    steps: [
      { session: "a", op: "create2", path: "/w", data: "one" },
      { session: "b", op: "getData", path: "/w", watch: true },
      { session: "b", op: "getChildren2", path: "/w", watch: true },
      { session: "b", op: "exists", path: "/w/kid", watch: true },
      { session: "a", op: "setData", path: "/w", data: "two", version: 0 },
      { session: "a", op: "setData", path: "/w", data: "three", version: 0 },
      { session: "a", op: "create", path: "/w/kid", data: { base64: "AAEC/w==" } },
      { session: "b", op: "getData", path: "/w/kid", watch: true },
      { session: "a", op: "setData", path: "/w", data: "four" },
      { session: "a", op: "delete", path: "/w", version: -1 },
      { session: "a", op: "delete", path: "/w/kid", version: 3 },
      { session: "a", op: "delete", path: "/w/kid", version: 0 },
      { session: "a", op: "getData", path: "/w" },
      { session: "a", op: "setData", path: "/w", data: null },
      { session: "a", op: "getData", path: "/w" },
      { session: "a", op: "getChildren2", path: "/w" },
      { session: "a", op: "getAllChildrenNumber", path: "/" },
      { session: "a", op: "delete", path: "/nothing" },
      { session: "a", op: "sync", path: "/w" },
    ],
  },
  {
    id: "q04-ephemerals-and-sequence",
    title: "sequential names from the parent's counter; ephemerals go with their session's close, watchers see it",
    topics: ["ephemeral", "sequential", "sessions", "watches"],
    sessions: { a: 4000, b: 4000, c: 4000 },
    steps: [
      { session: "a", op: "create", path: "/q" },
      { session: "a", op: "create", path: "/q/n-", mode: "PERSISTENT_SEQUENTIAL" },
      { session: "b", op: "create2", path: "/q/e-", mode: "EPHEMERAL_SEQUENTIAL", data: "b1" },
      { session: "b", op: "create2", path: "/q/e-", mode: "EPHEMERAL_SEQUENTIAL", data: "b2" },
      { session: "b", op: "create", path: "/q/eb", mode: "EPHEMERAL" },
      { session: "a", op: "create", path: "/q/eb/child" },
      { session: "a", op: "delete", path: "/q" },
      { session: "c", op: "exists", path: "/q/eb", watch: true },
      { session: "c", op: "exists", path: "/q/e-0000000001", watch: true },
      { session: "c", op: "getChildren", path: "/q", watch: true },
      { session: "a", op: "getEphemerals", prefix: "/" },
      { session: "b", op: "getEphemerals", prefix: "/q/e" },
      { close: "b", unordered_events: true },
      { session: "a", op: "getChildren2", path: "/q" },
      { session: "a", op: "create", path: "/q/n-", mode: "PERSISTENT_SEQUENTIAL" },
      { open: "d", timeout_ms: 100 },
      { session: "d", op: "create2", path: "/q/d", mode: "EPHEMERAL" },
      { session: "a", op: "exists", path: "/q/d" },
    ],
  },
  {
    id: "q05-multi",
    title: "multi: all or nothing, one zxid, per-op results; a failed multi still uses a zxid",
    topics: ["multi"],
    sessions: { a: 4000, b: 4000 },
    steps: [
      { session: "a", op: "create", path: "/m", data: "0" },
      { session: "b", op: "getData", path: "/m", watch: true },
      {
        session: "a",
        op: "multi",
        ops: [
          { op: "check", path: "/m", version: 0 },
          { op: "create", path: "/m/a", data: "x" },
          { op: "create2", path: "/m/b", mode: "EPHEMERAL" },
          { op: "setData", path: "/m", data: "1", version: 0 },
        ],
      },
      {
        session: "a",
        op: "multi",
        ops: [
          { op: "setData", path: "/m", data: "2" },
          { op: "delete", path: "/m/a" },
          { op: "check", path: "/m", version: 5 },
          { op: "create", path: "/m/c" },
        ],
      },
      { session: "a", op: "getChildren2", path: "/m" },
      { session: "a", op: "multi", ops: [{ op: "delete", path: "/m/a" }, { op: "delete", path: "/m/b" }, { op: "delete", path: "/m", version: 1 }] },
      { session: "a", op: "exists", path: "/m" },
      { session: "a", op: "multi", ops: [] },
    ],
  },
  {
    id: "q06-containers-and-ttl",
    title: "containers are reaped once emptied after having a child; TTL nodes after ttl ms without change",
    topics: ["container", "ttl", "reaper"],
    sessions: { a: 4000, b: 4000 },
    steps: [
      { session: "a", op: "create", path: "/c", mode: "CONTAINER" },
      { session: "a", op: "create", path: "/c/x" },
      { session: "a", op: "create2", path: "/t", mode: "PERSISTENT_WITH_TTL", ttl: 1200, data: "t" },
      { session: "a", op: "create2", path: "/keep", mode: "PERSISTENT_WITH_TTL", ttl: 600_000 },
      { session: "b", op: "exists", path: "/c", watch: true },
      { session: "b", op: "exists", path: "/t", watch: true },
      { session: "a", op: "delete", path: "/c/x" },
      { wait_ms: 3500, unordered_events: true },
      { session: "a", op: "exists", path: "/c" },
      { session: "a", op: "exists", path: "/t" },
      { session: "a", op: "getData", path: "/keep" },
    ],
  },
];
