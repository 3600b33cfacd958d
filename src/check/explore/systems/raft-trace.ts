/**
 * An explored Raft path as an NDJSON observation trace (docs/trace-format.md), the format `quorate verify-trace`
 * checks: the states a path visits are compared node by node, and every change becomes the record an observer
 * of a real cluster would have written. `t` is the step number (0: the initial state).
 * @module
 */
import type { Entry, Message, RaftState } from "../../../core/raft/index.js";
import * as raft from "../../../core/raft/index.js";
import { observedEntries } from "../../invariants/digest.js";
import type { DurableRecord, ObservedEntry, StateRecord, TraceRecord } from "../../invariants/index.js";
import type { SystemAction } from "../actors.js";
import type { RaftView } from "./raft-invariants.js";
import type { RaftDisk } from "./raft.js";

type View = Omit<StateRecord, "type" | "t" | "node">;

function view(s: RaftState): View {
  return { term: raft.term(s), role: raft.role(s), vote: raft.vote(s), commit: raft.commitIndex(s), applied: raft.appliedIndex(s), leader: raft.leader(s) };
}

function sameRole(a: View, b: View): boolean {
  return a.term === b.term && a.role === b.role && a.vote === b.vote && a.leader === b.leader;
}

function sameView(a: View, b: View): boolean {
  return sameRole(a, b) && a.commit === b.commit && a.applied === b.applied;
}

/** The node's log as observed, from index 1. The explored Raft system never compacts, so the log starts at 1. */
function logOf(s: RaftState): ObservedEntry[] {
  if (raft.snapshotIndex(s) > 0) throw new RangeError("a Raft trace of an explored path: the node's log starts after a snapshot, which the explored system never takes");
  const entries: Entry[] = [];
  for (let i = 1; i <= raft.lastIndex(s); i++) entries.push(raft.entryAt(s, i)!);
  return observedEntries(entries);
}

/** Where `after` first differs from `before` (1-based), or undefined when they are equal. */
function firstDifference(before: readonly ObservedEntry[], after: readonly ObservedEntry[]): number | undefined {
  const n = Math.min(before.length, after.length);
  for (let k = 0; k < n; k++) if (before[k]![0] !== after[k]![0] || before[k]![1] !== after[k]![1]) return k + 1;
  return before.length === after.length ? undefined : n + 1;
}

function sameHardState(a: RaftDisk, b: RaftDisk): boolean {
  return a.hardState.term === b.hardState.term && a.hardState.vote === b.hardState.vote && a.hardState.commit === b.hardState.commit;
}

const EMPTY_DISK: RaftDisk = { hardState: { term: 0, vote: 0, commit: 0 }, entries: [] };

/**
 * The observation trace of an explored Raft path: a `cluster` record, then per step the records of what changed
 * (`msg` for a delivery or a loss, `crash`/`restart`, and per node a `state` record, its `log` changes and what
 * its disk made `durable`). Within a step a change of term, role, vote or leader is recorded before the log
 * change and a commit advance after it, as the simulator orders them.
 * @param ids the node ids; node `i` of every state is node `ids[i]`
 * @param states the states the path visits (`states[0]` the initial state; see `walkPath`)
 * @param actions the path's actions (`actions[k - 1]` leads from `states[k - 1]` to `states[k]`)
 */
export function raftPathTrace(ids: readonly number[], states: readonly RaftView[], actions: readonly SystemAction<Message, unknown>[]): TraceRecord[] {
  const out: TraceRecord[] = [{ type: "cluster", nodes: [...ids] }];
  const seen: (View | undefined)[] = ids.map(() => undefined);
  const logs: ObservedEntry[][] = ids.map(() => []);
  const disks: RaftDisk[] = ids.map(() => EMPTY_DISK);
  for (let t = 0; t < states.length; t++) {
    const action = t === 0 ? undefined : actions[t - 1];
    if (action?.type === "deliver" || action?.type === "drop") {
      const m = action.env.msg;
      out.push({ type: "msg", t, ev: action.type, from: action.env.src, to: action.env.dst, id: t, msg: m.type, term: m.term });
    }
    const state = states[t]!;
    for (let i = 0; i < ids.length; i++) {
      const node = ids[i]!;
      const s = state.nodes[i];
      if (s === undefined) {
        if (seen[i] !== undefined && seen[i]!.role !== "down") {
          out.push({ type: "crash", t, node });
          seen[i] = { ...seen[i]!, role: "down" };
          logs[i] = disks[i]!.entries.length === 0 ? [] : observedEntries(disks[i]!.entries);
        }
        continue;
      }
      const v = view(s);
      const before = seen[i];
      if (before?.role === "down") out.push({ type: "restart", t, node });
      const fresh = before === undefined || before.role === "down";
      const log = logOf(s);
      const from = firstDifference(logs[i]!, log);
      // The last state this trace shows of the node (none after a start or restart).
      let shown: View | undefined = fresh ? undefined : before;
      // A new term, role, vote or leader comes before the log change, with the commit and applied of before.
      if (from !== undefined && !fresh && !sameRole(before, v)) {
        shown = { ...v, commit: before.commit, applied: before.applied };
        out.push({ type: "state", t, node, ...shown });
      }
      if (fresh) {
        shown = v;
        out.push({ type: "state", t, node, ...v });
      }
      if (from !== undefined) out.push({ type: "log", t, node, from, entries: log.slice(from - 1) });
      logs[i] = log;
      const disk = state.disks[i]!;
      const durable = durableRecord(t, node, disks[i]!, disk);
      if (durable !== undefined) out.push(durable);
      disks[i] = disk;
      if (shown === undefined || !sameView(shown, v)) out.push({ type: "state", t, node, ...v });
      seen[i] = v;
    }
  }
  return out;
}

/** The `durable` record of a disk change, or undefined when the disk did not change. */
function durableRecord(t: number, node: number, before: RaftDisk, after: RaftDisk): DurableRecord | undefined {
  if (before === after) return undefined;
  const old = observedEntries(before.entries);
  const now = observedEntries(after.entries);
  const from = firstDifference(old, now);
  if (from === undefined && sameHardState(before, after)) return undefined;
  const hs = after.hardState;
  const r: DurableRecord = { type: "durable", t, node, term: hs.term, vote: hs.vote, commit: hs.commit };
  return from === undefined ? r : { ...r, from, entries: now.slice(from - 1) };
}
