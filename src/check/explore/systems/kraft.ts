/**
 * The KRaft quorum core (src/core/kraft) as an explorable actor system: n voters, durable storage per node
 * (restart from exactly what was persisted), client appends at the leader, and the core's timers fired by
 * choice with its `timeout` input (`election`, a follower's `fetch`, a leader's `check-quorum`). Time never
 * advances otherwise: no ticks, so no resends and no parked-fetch expiry — a lost or ignored request is
 * recovered only by a timeout, as in the Quint spec.
 * @module
 */
import type { Core } from "../../../core/contract.js";
import type { Hasher } from "../../../core/fingerprint.js";
import * as kraft from "../../../core/kraft/index.js";
import type { Entry, Input, KRaftConfig, KRaftState, Message, Output, QuorumStateRecord } from "../../../core/kraft/index.js";
import { entryAt, logEndOffset } from "../../../core/kraft/log.js";
import { highWatermarkHeldByMajority } from "../../invariants/kraft.js";
import type { KRaftInvariant } from "../../invariants/kraft.js";
import type { ActorSystem, SystemState } from "../actors.js";
import { hashValue } from "../hash.js";
import { messageInput, outputEffects, systemName, withinBounds, type CoreBounds, type CoreSystemOptions } from "./common.js";

/** What a KRaft node's storage made durable. */
export interface KRaftDisk {
  readonly quorumState: QuorumStateRecord;
  readonly entries: readonly Entry[];
}

/** A persist output of the KRaft core. */
export type KRaftPersist = Extract<Output, { type: "persist" }>;

/** A state of the explored KRaft system. */
export type KRaftSystemState = SystemState<KRaftState, Message, KRaftPersist, KRaftDisk, undefined>;

/** The bounds of the KRaft system: `maxTerm` bounds the epoch, `maxLog` the log end offset (leader-change records count). */
export type KRaftBounds = CoreBounds;

/** The defaults of `quorate explore --system kraft --nodes 3` (docs/explore.md). */
export const DEFAULT_KRAFT_BOUNDS: KRaftBounds = { maxTerm: 1, maxLog: 2, maxCrashes: 0, maxInFlight: 3 };

/** How the KRaft system is explored. */
export type KRaftSystemOptions = CoreSystemOptions;

const EMPTY_DISK: KRaftDisk = { quorumState: { epoch: 0, leaderId: -1, votedId: -1, votedDirectoryId: "" }, entries: [] };
const PAYLOAD = new Uint8Array([1]);

/** Replicas' fingerprints leave out what timers fired by choice make irrelevant: deadlines, PRNG, retry count. */
function fingerprintNode(s: KRaftState): bigint {
  return kraft.fingerprintKRaft(s, { timers: false });
}

/** The KRaft core as the explorer drives it: the core's create, step and clone, timer-free fingerprints. */
export function kraftExploreCore(): Core<KRaftConfig, KRaftState, Input, Output> {
  const c = kraft.kraftCore;
  return { name: c.name, create: c.create, step: c.step, clone: c.clone, fingerprint: fingerprintNode };
}

/** Applies a persist output to a disk (a new disk; the old one is unchanged). */
export function applyKRaftPersist(disk: KRaftDisk, o: KRaftPersist): KRaftDisk {
  let entries = disk.entries;
  if (o.truncateTo !== undefined && o.truncateTo < entries.length) entries = entries.slice(0, o.truncateTo);
  const written = o.entries;
  if (written !== undefined && written.length > 0) entries = [...entries.slice(0, written[0]!.offset), ...written];
  return { quorumState: o.quorumState ?? disk.quorumState, entries };
}

function hashEntry(h: Hasher, e: Entry): void {
  h.num(e.offset).num(e.epoch).str(e.kind);
  if (e.kind === "data") h.bytes(e.data);
  else hashValue(h, e);
}

/** The nodes as they are, a crashed node as it would restart from its disk (what it holds durably). */
function durableView(sys: KRaftSystemState, configs: readonly KRaftConfig[]): KRaftState[] {
  return sys.nodes.map((s, i) => s ?? restart(configs[i]!, sys.disks[i]!));
}

function restart(c: KRaftConfig, disk: KRaftDisk): KRaftState {
  const fresh = disk.quorumState.epoch === 0 && disk.entries.length === 0;
  return kraft.createKRaft(c, fresh ? undefined : { quorumState: disk.quorumState, entries: disk.entries.slice() });
}

type Check = { readonly name: KRaftInvariant; check(sys: KRaftSystemState): string | undefined };
type StepCheck = { readonly name: KRaftInvariant; check(before: KRaftSystemState, action: unknown, after: KRaftSystemState): string | undefined };

/**
 * The invariants of src/check/invariants/kraft.ts over whole-system states. The "over all time" ones are
 * checked through what the system keeps: a leader of an epoch writes a leader-change record at the epoch's
 * start, so two leaders of one epoch show as two different leader-change records of that epoch (in logs or on
 * disks) or two leaders at once; committed records are compared pairwise across nodes.
 */
export function kraftInvariants(configs: readonly KRaftConfig[]): Check[] {
  return [
    {
      name: "kraft-one-leader-per-epoch",
      check(sys) {
        const leaders = new Map<number, number>();
        const note = (epoch: number, id: number): string | undefined => {
          const seen = leaders.get(epoch);
          if (seen === undefined) leaders.set(epoch, id);
          else if (seen !== id) return `two leaders in epoch ${epoch}: ${seen} and ${id}`;
          return undefined;
        };
        for (const s of sys.nodes) if (s !== undefined && s.role.kind === "leader") {
          const bad = note(s.epoch, s.config.id);
          if (bad !== undefined) return bad;
        }
        const logs: (readonly Entry[])[] = sys.disks.map((d) => d.entries);
        for (const s of sys.nodes) if (s !== undefined) logs.push(Array.from({ length: logEndOffset(s.log) - s.log.startOffset }, (_, k) => entryAt(s.log, s.log.startOffset + k)!));
        for (const log of logs) for (const e of log) if (e.kind === "leader-change") {
          const bad = note(e.epoch, e.leaderId);
          if (bad !== undefined) return bad;
        }
        return undefined;
      },
    },
    {
      name: "kraft-high-watermark-majority",
      check(sys) {
        const view = durableView(sys, configs);
        for (const s of sys.nodes) if (s !== undefined && s.role.kind === "leader") {
          const bad = highWatermarkHeldByMajority(s, view);
          if (bad !== null) return bad;
        }
        return undefined;
      },
    },
    {
      name: "kraft-committed-never-diverges",
      check(sys) {
        const nodes = sys.nodes.filter((s): s is KRaftState => s !== undefined);
        for (const a of nodes) for (const b of nodes) {
          if (a.config.id >= b.config.id) continue;
          const hi = Math.min(a.highWatermark, b.highWatermark, logEndOffset(a.log), logEndOffset(b.log));
          for (let o = Math.max(a.log.startOffset, b.log.startOffset); o < hi; o++) {
            const x = entryAt(a.log, o);
            const y = entryAt(b.log, o);
            if (x !== undefined && y !== undefined && x.epoch !== y.epoch) return `offset ${o} committed with epoch ${x.epoch} on node ${a.config.id} and ${y.epoch} on node ${b.config.id}`;
          }
        }
        return undefined;
      },
    },
  ];
}

/** The transition invariants: epochs and (within a process's life) high watermarks never go down. */
export function kraftStepInvariants(configs: readonly KRaftConfig[]): StepCheck[] {
  return [
    {
      name: "kraft-epoch-monotonic",
      check(before, _action, after) {
        for (let i = 0; i < after.nodes.length; i++) {
          const b = before.nodes[i] ?? restart(configs[i]!, before.disks[i]!);
          const a = after.nodes[i];
          if (a !== undefined && a.epoch < b.epoch) return `node ${a.config.id}: epoch went from ${b.epoch} to ${a.epoch}`;
        }
        return undefined;
      },
    },
    {
      name: "kraft-high-watermark-monotonic",
      check(before, _action, after) {
        for (let i = 0; i < after.nodes.length; i++) {
          const b = before.nodes[i];
          const a = after.nodes[i];
          if (a !== undefined && b !== undefined && a.highWatermark < b.highWatermark) return `node ${a.config.id}: high watermark went from ${b.highWatermark} to ${a.highWatermark}`;
        }
        return undefined;
      },
    },
  ];
}

/** The timers a replica's role runs. */
function timersOf(s: KRaftState): readonly string[] {
  switch (s.role.kind) {
    case "leader":
      return ["check-quorum"];
    case "follower":
      return ["fetch"];
    default:
      return ["election"];
  }
}

/** The KRaft system for the explorer. */
export function kraftSystem(o: KRaftSystemOptions): ActorSystem<KRaftConfig, KRaftState, Input, Output, Message, KRaftPersist, KRaftDisk, undefined> {
  const bounds: KRaftBounds = { ...DEFAULT_KRAFT_BOUNDS, ...o.bounds };
  const ids = Array.from({ length: o.nodes }, (_, i) => i + 1);
  const configs: KRaftConfig[] = ids.map((id) => ({ id, voters: ids, seed: id }));
  const append: Input = { type: "append", records: [PAYLOAD] };
  return {
    name: systemName("kraft", o.nodes, bounds),
    core: kraftExploreCore(),
    ids,
    configs,
    deliver: messageInput,
    effect: outputEffects<Output, Message, KRaftPersist, Input>({ send: (out) => ({ to: out.message.to, msg: out.message }), write: (out) => out }),
    hashMessage: (h, m) => hashValue(h, m),
    timers: timersOf,
    external: (sys, i) => {
      const s = sys.nodes[i]!;
      return s.role.kind === "leader" && logEndOffset(s.log) < bounds.maxLog ? [append] : [];
    },
    storage: {
      empty: EMPTY_DISK,
      mode: "sync",
      apply(disk, w) {
        const next = applyKRaftPersist(disk, w);
        const end = next.entries.length;
        return { disk: next, ack: { type: "persisted", endOffset: end, epoch: end === 0 ? 0 : next.entries[end - 1]!.epoch } };
      },
      restart,
      hash(h, disk) {
        const q = disk.quorumState;
        h.num(q.epoch).int(q.leaderId).int(q.votedId).str(q.votedDirectoryId).int(disk.entries.length);
        for (const e of disk.entries) hashEntry(h, e);
      },
    },
    network: o.network ?? "unordered",
    noOpDelivery: "consume",
    lossy: o.lossy ?? false,
    maxCrashes: bounds.maxCrashes,
    within: withinBounds(bounds, (s) => s.epoch, (s) => logEndOffset(s.log)),
    invariants: kraftInvariants(configs),
    stepInvariants: kraftStepInvariants(configs),
    goals: [
      { name: "leader elected", reached: (sys) => sys.nodes.some((s) => s?.role.kind === "leader") },
      { name: "record committed", reached: (sys) => sys.nodes.some((s) => s !== undefined && s.highWatermark > 1) },
    ],
  };
}
